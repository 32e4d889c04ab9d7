"""Whether guests can use KVM here. /dev/kvm can exist and still be useless
(a nested software hypervisor: emulation errors, minutes-long boots), so the
only proof is a boot: the test guest must write its first record within
BOOT_TIMEOUT under KVM. The answer is cached in kvm-works in proc.cache_dir()
for the current boot of the host (a reboot, or a new machine, asks again);
delete that file to ask sooner. domain_xml() uses virt_type() for every
guest, so guests are TCG unless the probe proved KVM."""

import fcntl
import os
import shutil
import subprocess
import tempfile
import time

from . import disk, proc
from .guest_image import GuestImage

BOOT_TIMEOUT = 10  # a TCG boot takes ~2 s: a KVM boot slower than this is no use
# A guest that KVM runs prints its first kernel line within a second; on a
# nested software hypervisor nothing comes at all, so this ends the wait early.
FIRST_OUTPUT_TIMEOUT = 4
KILL_TIMEOUT = 5
_answer = None


def _host_boot_id():
    with open("/proc/sys/kernel/random/boot_id") as f:
        return f.read().strip()


def _boot_under_kvm():
    image = GuestImage.get()
    tmp = tempfile.mkdtemp(prefix="vmha-kvm-probe-")
    qemu = None
    try:
        image_path = os.path.join(tmp, "disk.img")
        disk.make_disk(image_path)
        with open(os.path.join(tmp, "qemu.log"), "wb") as log:
            qemu = subprocess.Popen(
                ["qemu-system-x86_64", "-accel", "kvm", "-m", "96", "-nodefaults",
                 "-no-user-config", "-display", "none",
                 "-serial", f"file:{os.path.join(tmp, 'console.log')}",
                 "-kernel", image.kernel, "-initrd", image.initrd, "-append", "console=ttyS0",
                 "-drive", f"file={image_path},if=virtio,format=raw"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

        console = os.path.join(tmp, "console.log")
        started = time.monotonic()

        def booted():
            if qemu.poll() is not None:
                raise proc.HarnessError("QEMU exited")
            if (time.monotonic() - started > FIRST_OUTPUT_TIMEOUT and
                    (not os.path.exists(console) or os.path.getsize(console) == 0)):
                raise proc.HarnessError("no console output")
            return disk.latest_counter(image_path) is not None

        proc.wait_until(booted, BOOT_TIMEOUT, interval=0.1, what="a guest boot under KVM")
        return True
    except proc.HarnessError:
        return False
    finally:
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            try:
                qemu.wait(timeout=KILL_TIMEOUT)
            except subprocess.TimeoutExpired:
                # Stuck in the kernel's KVM code: the answer is no all the
                # more; the suite goes on and the zombie goes with its parent.
                pass
        shutil.rmtree(tmp, ignore_errors=True)


def kvm_works():
    """True only if a guest booted under KVM on this machine (probed once per
    host boot, in at most BOOT_TIMEOUT + KILL_TIMEOUT s, then cached)."""
    global _answer
    if _answer is None:
        cache = os.path.join(proc.cache_dir(), "kvm-works")
        boot = _host_boot_id()
        with open(cache + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one probe even with parallel tests
            try:
                with open(cache) as f:
                    answer, probed_boot = (f.read().split() + ["", ""])[:2]
            except FileNotFoundError:
                answer, probed_boot = "", ""
            if probed_boot != boot or answer not in ("yes", "no"):
                works = os.access("/dev/kvm", os.R_OK | os.W_OK) and _boot_under_kvm()
                answer = "yes" if works else "no"
                with open(cache + ".tmp", "w") as f:
                    f.write(f"{answer} {boot}\n")
                os.rename(cache + ".tmp", cache)
        _answer = answer == "yes"
    return _answer


def virt_type():
    """libvirt's domain type for test guests here: 'kvm' where kvm_works(),
    else 'qemu' (TCG)."""
    return "kvm" if kvm_works() else "qemu"
