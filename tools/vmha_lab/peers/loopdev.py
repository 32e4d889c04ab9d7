"""A loop device over a sparse image file, as shared storage for sbd tests.

    with LoopDevice(size_mib=8) as dev:
        dev.path                    # /dev/loopN

LoopDevice(backing=FILE, direct_io=True) attaches an existing file instead
(direct_io: the loop driver reads and writes FILE with O_DIRECT, so each I/O
reaches FILE's filesystem at once instead of the page cache).

close() (also run by the with block, on failure too, and at exit for any
left open) detaches the device we attached, by its path, and removes the
image's directory."""

import atexit
import os
import shutil
import tempfile

from .proc import HarnessError, run

LOSETUP = "/usr/sbin/losetup"

_open = set()


class LoopDevice:
    def __init__(self, size_mib=8, sector_size=None, backing=None, direct_io=False):
        self.path = None
        self.dir = tempfile.mkdtemp(prefix="vmha-loop-")
        self.image = backing or os.path.join(self.dir, "disk.img")
        try:
            if not backing:
                with open(self.image, "wb") as f:
                    f.truncate(size_mib * 1024 * 1024)
            argv = [LOSETUP, "-f", "--show"]
            if sector_size:
                argv += ["--sector-size", str(sector_size)]
            if direct_io:
                argv += ["--direct-io=on"]
            self.path = run(argv + [self.image], timeout=30).stdout.strip()
            if not self.path.startswith("/dev/loop"):
                raise HarnessError(f"losetup printed {self.path!r}, not a loop device")
            _open.add(self)
        except BaseException:
            self.close()
            raise

    def wipe_sector(self, n=0, sector=512):
        """Overwrites one sector with zeros, bypassing the page cache."""
        fd = os.open(self.path, os.O_WRONLY | os.O_SYNC)
        try:
            os.pwrite(fd, bytes(sector), n * sector)
        finally:
            os.close(fd)

    def close(self):
        if self.path:
            run([LOSETUP, "-d", self.path], timeout=30, check=False)
            self.path = None
        _open.discard(self)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@atexit.register
def _close_all():
    for dev in list(_open):
        dev.close()
