"""The test guest: a Debian cloud kernel and a tiny initramfs whose PID 1 is
guest/writer.c beside this module (see that file for what the guest does), with
a minimal guest agent (agent.c) beside it.

Built once per set of inputs under the harness's cache directory (proc.cache_dir:
the build directory, or an installed vmha-lab's) in guest-image/<hash>/, where
the hash covers the kernel package and the guest sources: editing the writer
gives a new directory instead of changing files a running guest may use."""

import fcntl
import gzip
import hashlib
import lzma
import os
import re
import shutil
import tempfile

from . import proc

KERNEL_META_PACKAGE = "linux-image-cloud-amd64"
# Load order: every module after those it depends on (modinfo's depends=).
MODULES = ("virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
           "virtio_pci", "virtio_blk", "virtio_console", "evdev", "button", "pvpanic",
           "pvpanic-mmio")
GUEST_SOURCES = ("writer.c", "agent.c", "init")
BUSYBOX = "/bin/busybox"  # from busybox-static: the initramfs has no libc
# Beside this module, in the source tree and where vmha-lab is installed.
GUEST_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest")


def _guest_source(name):
    return os.path.join(GUEST_DIR, name)


def _kernel_package():
    out = proc.run(["apt-cache", "depends", KERNEL_META_PACKAGE]).stdout
    m = re.search(r"Depends:\s*(linux-image-\S+)", out)
    if not m:
        raise proc.HarnessError(f"apt-cache depends {KERNEL_META_PACKAGE} names no kernel "
                                f"package: run apt-get update")
    return m.group(1)


def _inputs_hash(package):
    h = hashlib.sha256(package.encode())
    for name in GUEST_SOURCES:
        with open(_guest_source(name), "rb") as f:
            h.update(f.read())
    h.update(" ".join(MODULES).encode())
    return h.hexdigest()[:16]


def _find_modules(root):
    """Maps each needed module name to its file in the extracted package."""
    found = {}
    for dirpath, _, files in os.walk(os.path.join(root, "lib", "modules")):
        for f in files:
            name, dot, ext = f.partition(".")
            if name in MODULES and ext in ("ko", "ko.xz"):
                found[name] = os.path.join(dirpath, f)
    missing = [m for m in MODULES if m not in found]
    if missing:
        raise proc.HarnessError(f"kernel package lacks modules {missing}")
    return found


def _fill_initramfs(tree, kernel_root):
    for d in ("bin", "dev", "proc", "sys", "lib/modules"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(BUSYBOX, os.path.join(tree, "bin", "busybox"))
    os.symlink("busybox", os.path.join(tree, "bin", "sh"))
    shutil.copy(_guest_source("init"), os.path.join(tree, "init"))
    os.chmod(os.path.join(tree, "init"), 0o755)
    # The kernel opens /dev/console for init's stdio before /init mounts devtmpfs.
    os.mknod(os.path.join(tree, "dev", "console"), 0o600 | 0o020000, os.makedev(5, 1))
    for program in ("writer", "agent"):
        proc.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                  os.path.join(tree, "bin", program), _guest_source(program + ".c")])
    for name, path in _find_modules(kernel_root).items():
        # busybox insmod cannot read compressed modules.
        opener = lzma.open if path.endswith(".xz") else open
        with opener(path, "rb") as src, open(os.path.join(tree, "lib", "modules", name + ".ko"),
                                             "wb") as dst:
            shutil.copyfileobj(src, dst)


def _cpio_gzip(tree, out_path):
    names = []
    for dirpath, dirs, files in os.walk(tree):
        rel = os.path.relpath(dirpath, tree)
        names += [os.path.normpath(os.path.join(rel, n)) for n in sorted(dirs + files)]
    archive = proc.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"],
                       input="\n".join(names).encode() + b"\n", cwd=tree, text=False)
    with gzip.open(out_path, "wb") as f:
        f.write(archive.stdout)


def _build(package, dest):
    """Builds the image into a temporary directory next to dest, then renames
    it into place, so dest is either absent or complete."""
    parent = os.path.dirname(dest)
    tmp = tempfile.mkdtemp(prefix=".build-", dir=parent)
    try:
        debs = os.path.join(tmp, "debs")
        os.mkdir(debs)
        # Sandbox user root: the download directory is not readable by _apt.
        proc.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", package],
                 cwd=debs, timeout=300)
        kernel_root = os.path.join(tmp, "kernel")
        proc.run(["dpkg", "-x", os.path.join(debs, os.listdir(debs)[0]), kernel_root])
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        boot = os.path.join(kernel_root, "boot")
        vmlinuz = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")]
        shutil.copy(os.path.join(boot, vmlinuz[0]), os.path.join(out, "vmlinuz"))
        tree = os.path.join(tmp, "initramfs")
        _fill_initramfs(tree, kernel_root)
        _cpio_gzip(tree, os.path.join(out, "initrd.img"))
        os.rename(out, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class GuestImage:
    _cached = None

    def __init__(self, directory):
        self.directory = directory
        self.kernel = os.path.join(directory, "vmlinuz")
        self.initrd = os.path.join(directory, "initrd.img")

    def complete(self):
        return os.path.isfile(self.kernel) and os.path.isfile(self.initrd)

    @classmethod
    def get(cls):
        """Returns the guest image, building it first if needed (~10 s, needs
        Debian's mirror). Safe to call from several test processes at once."""
        if cls._cached is None:
            root = os.path.join(proc.cache_dir(), "guest-image")
            os.makedirs(root, exist_ok=True)
            package = _kernel_package()
            image = cls(os.path.join(root, _inputs_hash(package)))
            if not image.complete():
                with open(os.path.join(root, ".lock"), "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    # Another process may have built it while we waited.
                    if not image.complete():
                        _build(package, image.directory)
            cls._cached = image
        return cls._cached
