"""What the scenarios observe, all of it from outside vmha: node health as
Pacemaker's attribute manager holds it, libvirt's view of a guest, the
guests' own disk records and the split-brain check on them, the BMCs'
power events, and the poison-pill slots as the real sbd reads them."""

import re

from . import guests as G
from . import heartbeat, hosts, observe
from .peers.loopdev import LoopDevice
from .peers.proc import HarnessError
from .peers.sbdtool import sbd_list

HEALTH = "#health-vmha-storage"


def node_health(state, spec):
    """{node: "green"|"yellow"|"red"}: #health-vmha-storage as Pacemaker's
    attribute manager on one host holds it, or {} if it does not answer.
    (crm_mon's own "health is ..." is wrong under the custom strategy.)"""
    try:
        cp = hosts.run_in(state, spec, ["attrd_updater", "-Q", "-A", "-n", HEALTH],
                          timeout=10, check=False)
    except HarnessError:
        return {}
    return dict(re.findall(r'host="([^"]+)" value="([^"]*)"', cp.stdout))


def last_records(layout, names):
    """{guest: its newest disk record (boot_id, counter) or None}."""
    out = {}
    for g in names:
        recs = G.records(layout, g)
        out[g] = recs[-1] if recs else None
    return out


def placement_once(state, layout, names, view):
    """Problems: each guest Pacemaker starts must run exactly there in
    libvirt, and no guest runs twice."""
    problems = []
    started = (view or {}).get("started", {})
    where = observe.guest_placement(state, layout, names)
    for g in names:
        if len(where[g]) > 1:
            problems.append(f"{g}: libvirt runs it on {where[g]} (twice)")
        elif sorted(where[g]) != sorted(started.get(g, [])):
            problems.append(f"{g}: libvirt runs it on {where[g]}, Pacemaker on "
                            f"{started.get(g, [])}")
    return problems


def bmc_events(layout, since, names=None):
    """[(host, seconds since `since` (wall clock), event)] from the BMCs' logs."""
    out = []
    for h in layout.hosts:
        if names and h.name not in names:
            continue
        try:
            with open(f"{h.bmc_dir}/events") as f:
                rows = [line.split() for line in f]
        except FileNotFoundError:
            continue
        out += [(h.name, round(float(t) - since, 2), e) for t, e in rows if float(t) >= since]
    return sorted(out, key=lambda r: r[1])


def domstate(state, spec, guest):
    """libvirt's state of a guest in a host ("running", "paused", ...), or
    None if the host or its libvirtd does not answer."""
    try:
        cp = hosts.run_in(state, spec, ["virsh", "-c", "qemu:///system", "domstate", guest],
                          timeout=10, check=False)
    except HarnessError:
        return None
    return cp.stdout.strip() if cp.returncode == 0 else None


def pill_slot(state, layout, target, stack):
    """The message in target's slot of the poison-pill disk, as the real
    `sbd list` reads it, or None without a slot. vmha: through a loop device
    over the exported file (on the page cache nbdkit writes through);
    classic: its own loop device."""
    if stack == "classic":
        return sbd_list(state.load()["loops"][0]).get(target.name, (None, None))[0]
    with LoopDevice(backing=heartbeat.file_path(layout)) as dev:
        return sbd_list(dev.path).get(target.name, (None, None))[0]


def verify_records(layout, name, old_boot, old_last):
    """No split brain: once the new boot's first record is on the disk, no
    other boot writes after it, and the new boot continues past the last
    counter the old instance completed. Returns a list of problems."""
    recs = G.records(layout, name)
    problems = []
    # Boots before the old one (earlier scenarios) wrote only below its
    # first counter: a later boot starts above it.
    old_first = min((r.counter for r in recs if r.boot_id == old_boot), default=-1)
    new = [r for r in recs if r.boot_id != old_boot and r.counter > old_first]
    if not new:
        return [f"{name}: no record from a new boot"]
    first_new = new[0]
    if first_new.counter <= old_last:
        problems.append(f"{name}: new boot started at {first_new.counter}, "
                        f"not past the old instance's {old_last}")
    later = {r.boot_id for r in recs if r.counter >= first_new.counter}
    if len(later) != 1:
        problems.append(f"{name}: {len(later)} boots wrote after the new boot's first record")
    return problems


def fence_events(layout, since, names=None):
    """The BMCs' power events since `since` as results record them
    ("h2 on@3.61s")."""
    return as_recorded(bmc_events(layout, since, names))


def as_recorded(events):
    """bmc_events' rows as results record them."""
    return [f"{h} {e}@{t}s" for h, t, e in events]
