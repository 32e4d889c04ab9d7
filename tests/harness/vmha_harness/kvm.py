"""Whether guests can use KVM here. /dev/kvm can exist and still be useless
(a nested software hypervisor: emulation errors, minutes-long boots), so the
only proof is a boot: the test guest must write its first record within
BOOT_TIMEOUT under KVM. The answer is cached in kvm-works in proc.cache_dir();
delete that file to ask again. Everything defaults to TCG otherwise."""

import fcntl
import os
import shutil
import subprocess
import tempfile

from . import disk, proc
from .guest_image import GuestImage

BOOT_TIMEOUT = 10  # a TCG boot takes ~2 s: a KVM boot slower than this is no use
_answer = None


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

        def booted():
            if qemu.poll() is not None:
                raise proc.HarnessError("QEMU exited")
            return disk.latest_counter(image_path) is not None

        proc.wait_until(booted, BOOT_TIMEOUT, interval=0.1, what="a guest boot under KVM")
        return True
    except proc.HarnessError:
        return False
    finally:
        if qemu is not None and qemu.poll() is None:
            qemu.kill()
            qemu.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def kvm_works():
    """True only if a guest booted under KVM on this machine (probed once,
    at most ~BOOT_TIMEOUT s, then cached)."""
    global _answer
    if _answer is None:
        cache = os.path.join(proc.cache_dir(), "kvm-works")
        with open(cache + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one probe even with parallel tests
            if not os.path.exists(cache):
                works = os.access("/dev/kvm", os.R_OK | os.W_OK) and _boot_under_kvm()
                with open(cache + ".tmp", "w") as f:
                    f.write("yes\n" if works else "no\n")
                os.rename(cache + ".tmp", cache)
            with open(cache) as f:
                _answer = f.read().strip() == "yes"
    return _answer
