"""A block device whose I/O can be made to hang or fail on demand, for
storage-heartbeat and poison-pill tests on machines without device-mapper
(no `dmsetup suspend`) or the nbd kernel module:

    image file <- nbdkit (error filter) <- nbdfuse (a FUSE file) <- loop device (direct I/O)

    with HangableDisk(workdir) as disk:
        disk.path          # /dev/loopN: what sbd and vmha open
        disk.hang()        # SIGSTOP nbdkit: every I/O blocks in the kernel (D state)
        disk.resume()      # SIGCONT: blocked I/O completes, new I/O is served
        disk.fail_on()     # every I/O fails with EIO until fail_off()

close() resumes a hung server first, then detaches the loop device,
unmounts the FUSE file and stops nbdkit; it runs on failure too (with,
and at exit for anything left open)."""

import atexit
import os
import signal
import subprocess

from vmha_lab.peers import proc
from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.nbd import NbdExport

NBDFUSE = "/usr/bin/nbdfuse"

_open = set()


class HangableDisk(proc.Peer):
    def __init__(self, workdir, size_mib=8, name="hang"):
        self.workdir = workdir
        self.size_mib = size_mib
        self.image = os.path.join(workdir, f"{name}.img")
        self.mountpoint = os.path.join(workdir, f"{name}.fuse")
        self.fuse_pidfile = os.path.join(workdir, f"{name}.fuse.pid")
        self.export = NbdExport(self.image, workdir, export_name=name, error_filter=True)
        self.fuse = None
        self.loop = None
        self.hung = False

    @property
    def path(self):
        return self.loop.path

    def start(self):
        _open.add(self)
        with open(self.image, "wb") as f:
            f.truncate(self.size_mib * 1024 * 1024)
        os.makedirs(self.mountpoint, exist_ok=True)
        self.export.start()
        if os.path.exists(self.fuse_pidfile):
            os.unlink(self.fuse_pidfile)
        # mount(8)-free: nbdfuse mounts through libfuse's own mount(2) as root.
        self.fuse = subprocess.Popen(
            [NBDFUSE, "-P", self.fuse_pidfile, self.mountpoint, "--unix", self.export.socket],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        proc.wait_until(lambda: os.path.exists(self.fuse_pidfile) or self.fuse.poll() is not None,
                        10, what=f"nbdfuse to mount {self.mountpoint}")
        if self.fuse.poll() is not None:
            raise proc.HarnessError(f"nbdfuse exited {self.fuse.returncode}: "
                                    f"{self.fuse.stderr.read().decode(errors='replace')}")
        self.loop = LoopDevice(backing=os.path.join(self.mountpoint, "nbd"), direct_io=True)

    def hang(self):
        os.kill(self.export.pid, signal.SIGSTOP)
        self.hung = True

    def resume(self):
        if self.hung and self.export.pid and proc.pid_alive(self.export.pid):
            os.kill(self.export.pid, signal.SIGCONT)
        self.hung = False

    def fail_on(self):
        self.export.fail_on()

    def fail_off(self):
        self.export.fail_off()

    def close(self):
        self.resume()
        self.export.fail_off()
        if self.loop:
            self.loop.close()
            self.loop = None
        if self.fuse:
            if self.fuse.poll() is None:
                self.fuse.terminate()
                try:
                    self.fuse.wait(10)
                except subprocess.TimeoutExpired:
                    self.fuse.kill()
                    self.fuse.wait(10)
            self.fuse.stderr.close()
            self.fuse = None
        if os.path.ismount(self.mountpoint):
            proc.run(["umount", "-l", self.mountpoint], timeout=30, check=False)
        self.export.close()
        _open.discard(self)


@atexit.register
def _close_all():
    for disk in list(_open):
        disk.close()
