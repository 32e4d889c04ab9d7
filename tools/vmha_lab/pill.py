"""The classic stack's poison-pill disk: a loop device over a file in the
lab directory (sbd refuses regular files), laid out by the real `sbd
create` with a slot per host, watched by sbd inside every host and written
by fence_sbd. Every host's namespaces see the machine's /dev, so the one
device is shared by all of them."""

import os

from . import hosts
from .peers.loopdev import LOSETUP
from .peers.proc import HarnessError, run, wait_until
from .peers.sbdtool import SBD

# sbd's own defaults: a fence_sbd reboot waits msgwait before it reports.
WATCHDOG_S = 5
MSGWAIT_S = 10
SIZE_MIB = 8


def make(layout, state):
    """Creates and lays out the disk; returns the loop device's path."""
    image = os.path.join(layout.dir, "sbd-pill.img")
    with open(image, "wb") as f:
        f.truncate(SIZE_MIB << 20)
    dev = run([LOSETUP, "-f", "--show", image], timeout=30).stdout.strip()
    state.add_to_list("loops", dev)  # down detaches it
    if not dev.startswith("/dev/loop"):
        raise HarnessError(f"losetup printed {dev!r}, not a loop device")
    run([SBD, "-d", dev, "-1", str(WATCHDOG_S), "-4", str(MSGWAIT_S), "create"], timeout=60)
    for h in layout.hosts:
        run([SBD, "-d", dev, "allocate", h.name], timeout=60)
    return dev


def watching(state, spec):
    """Whether the host's sbd daemon (pidfile /run/sbd.pid) runs."""
    try:
        cp = hosts.run_in(state, spec, ["cat", "/run/sbd.pid"], timeout=10, check=False)
        pid = cp.stdout.strip()
        return pid.isdigit() and hosts.run_in(state, spec, ["kill", "-0", pid], timeout=10,
                                               check=False).returncode == 0
    except HarnessError:
        return False


def wait_watching(state, layout, timeout):
    for h in layout.hosts:
        wait_until(lambda: watching(state, h), timeout, interval=0.3,
                   what=f"sbd watching the poison-pill disk in {h.name}")
