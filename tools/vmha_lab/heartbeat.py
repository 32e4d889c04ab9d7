"""The shared disk every host's vmha-eventd uses: one file exported by the
lab's nbdkit (export "heartbeat") and seen inside each host as a FUSE file
by nbdfuse, connected over that host's storage link. So a pulled storage
cable is seen by a host even when it runs no guest, and the disk's I/O
fails exactly as the guests' disks do.

It holds sbd's poison-pill layout at its start (written by the real `sbd`
tool; fence_vmha_disk is the second fencing level, and each host's eventd
watches its slot) and the storage heartbeat's blocks from 4 MiB on."""

import os

from . import layout as L
from .peers.loopdev import LoopDevice
from .peers.proc import run

EXPORT = "heartbeat"
# Inside each host (its /run is a tmpfs of its own); nbdfuse names the file "nbd".
MOUNTPOINT = "/run/vmha-heartbeat"
PATH = f"{MOUNTPOINT}/nbd"
# The heartbeat area starts at 4 MiB (sbd's layout before it).
SIZE_MIB = 8
# sbd's timeouts in the header: a pill is taken as obeyed after msgwait.
# Hosts read their slot every 500 ms, so 4 s leaves a wide margin.
PILL_WATCHDOG_S = 2
PILL_MSGWAIT_S = 4
# A lab host fences itself by killing every process in its PID namespace
# (guests, cluster stack, eventd): nothing of it writes any more. No
# watchdog device exists here; real hosts use self_fence=watchdog.
SELF_FENCE_COMMAND = "/bin/kill -KILL -1"
EVENTD_PARAMS = [f"heartbeat_paths={PATH}", "heartbeat_interval=500", "heartbeat_timeout=1000",
                 "yellow_after=1", "red_after=3", f"pill_devices={PATH}", "pill_interval=500",
                 "self_fence=command", f"self_fence_command={SELF_FENCE_COMMAND}"]


def uri():
    return f"nbd://{L.STORAGE_ADDR}:{L.NBD_PORT}/{EXPORT}"


def file_path(layout):
    return os.path.join(layout.storage_dir, EXPORT)


def make(layout):
    """The shared file, next to the guests' disks (nbdkit serves the folder),
    with sbd's header and slots written by sbd itself (which wants a block
    device: a loop device over the file, detached at once)."""
    with open(file_path(layout), "wb") as f:
        f.truncate(SIZE_MIB << 20)
    with LoopDevice(backing=file_path(layout), direct_io=True) as dev:
        run(["/usr/sbin/sbd", "-d", dev.path, "-1", str(PILL_WATCHDOG_S),
             "-4", str(PILL_MSGWAIT_S), "create"], timeout=60)
