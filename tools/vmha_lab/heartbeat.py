"""The storage heartbeat every host's vmha-eventd writes: one shared file
exported by the lab's nbdkit (export "heartbeat") and seen inside each host
as a FUSE file by nbdfuse, connected over that host's storage link. So a
pulled storage cable is seen by a host even when it runs no guest, and the
heartbeat's I/O hangs exactly as the guests' disks do."""

import os

from . import layout as L

EXPORT = "heartbeat"
# Inside each host (its /run is a tmpfs of its own); nbdfuse names the file "nbd".
MOUNTPOINT = "/run/vmha-heartbeat"
PATH = f"{MOUNTPOINT}/nbd"
# The heartbeat area starts at 4 MiB (sbd's layout before it).
SIZE_MIB = 8
EVENTD_PARAMS = [f"heartbeat_paths={PATH}", "heartbeat_interval=500", "heartbeat_timeout=1000",
                 "yellow_after=1", "red_after=3"]


def uri():
    return f"nbd://{L.STORAGE_ADDR}:{L.NBD_PORT}/{EXPORT}"


def make(layout):
    """The shared file, next to the guests' disks (nbdkit serves the folder)."""
    with open(os.path.join(layout.storage_dir, EXPORT), "wb") as f:
        f.truncate(SIZE_MIB << 20)
