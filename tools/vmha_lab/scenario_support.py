"""What the storage and multi-host scenarios share: node health as
crm_mon shows it, the guests' boots from their disks, one poll that
timestamps several milestones, the checks every scenario ends with, and
recording a result into the lab state."""

import re
import time

from vmha_harness.proc import HarnessError, wait_until

from . import guests as G
from . import hosts, observe

HEALTH = "#health-vmha-storage"
READY_TIMEOUT = 90
# Records come every 100 ms: 6 s of uninterrupted writing, at least.
SETTLE_RECORDS = 60


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


class Milestones:
    """Polls several conditions in one loop and keeps, for each, the
    seconds since t0 at which it first held."""

    def __init__(self, t0):
        self.t0 = t0
        self.seen = {}

    def poll(self, checks, timeout, interval=0.2, until=None):
        """checks: {name: callable() -> truthy}. Returns when every check
        has held (or `until` names the ones that must), or at the timeout
        (without raising: a missing milestone is a result)."""
        need = set(until or checks)
        deadline = time.monotonic() + timeout
        while True:
            for name, check in checks.items():
                if name not in self.seen and check():
                    self.seen[name] = round(time.monotonic() - self.t0, 2)
            if need <= set(self.seen) or time.monotonic() >= deadline:
                return self.seen
            time.sleep(interval)


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


def wait_formed(state, layout, timeout):
    """Every host on and in the cluster again (powering on any that is off)."""
    for h in layout.hosts:
        if not hosts.is_on(state, h):
            hosts.power_on(state, h)
    wait_until(lambda: observe.formed(state, layout), timeout, interval=0.5,
               what="every host back in the cluster")


def survivor_view(state, layout, spec):
    view = observe.cluster_view(state, layout, spec)
    if view is None:
        raise HarnessError(f"{spec.name}'s Pacemaker does not answer")
    return view


def save(state, res):
    with state.edit() as data:
        data.setdefault("results", []).append(res)
    return res


def guest_names(state):
    return state.load().get("guests", [])


def clear_failures(state, layout):
    """crm_resource --cleanup: what an administrator runs once the fault is
    repaired, so the host a guest failed on may take it again."""
    hosts.run_in(state, hosts.first_on(state, layout), ["crm_resource", "--cleanup"], timeout=30)


def start_clean(state, layout):
    """Forgets the guests' past failures (crm_resource --cleanup), so that
    with migration-threshold=1 an earlier scenario's failure does not keep a
    guest off a host in this one, and waits until the lab is whole."""
    from .scenario_kit import ready  # scenario_kit imports guests, hosts, observe too
    clear_failures(state, layout)
    placed = ready(state, layout)
    # vmha-eventd takes a pause within 5 s of a resume for the earlier pause
    # going on (flapping storage): the guests first write for longer than
    # that, so this scenario's pauses are its own.
    start = last_records(layout, guest_names(state))
    wait_until(lambda: all(last_records(layout, [g])[g].counter >= start[g].counter + SETTLE_RECORDS
                           for g in start), READY_TIMEOUT, interval=0.5,
               what=f"every guest to write {SETTLE_RECORDS} records")
    return placed


def domstate(state, spec, guest):
    """libvirt's state of a guest in a host ("running", "paused", ...), or
    None if the host or its libvirtd does not answer."""
    try:
        cp = hosts.run_in(state, spec, ["virsh", "-c", "qemu:///system", "domstate", guest],
                          timeout=10, check=False)
    except HarnessError:
        return None
    return cp.stdout.strip() if cp.returncode == 0 else None


def pill_slot(state, layout, target):
    """The message in target's slot of the poison-pill disk, as the real
    `sbd list` reads it, or None without a slot. vmha: through a loop device
    over the exported file (on the page cache nbdkit writes through);
    classic: its own loop device."""
    from vmha_harness.loopdev import LoopDevice
    from vmha_harness.sbdtool import sbd_list

    from . import heartbeat
    from .scenario_kit import stack
    if stack(state) == "classic":
        return sbd_list(state.load()["loops"][0]).get(target.name, (None, None))[0]
    with LoopDevice(backing=heartbeat.file_path(layout)) as dev:
        return sbd_list(dev.path).get(target.name, (None, None))[0]


def start_on_guest(state, layout, guest):
    """start_clean, then the host that runs guest (the victim), another
    host that is on (the watcher), and the guest's newest disk record."""
    start_clean(state, layout)
    where = observe.guest_placement(state, layout, [guest])[guest]
    if len(where) != 1:
        raise HarnessError(f"{guest} runs on {where}, not exactly one host: the lab is not ready")
    victim = layout.host(where[0])
    watcher = next(h for h in layout.hosts if h is not victim and hosts.is_on(state, h))
    return victim, watcher, last_records(layout, [guest])[guest]


def resume_paused(state, layout):
    """Resumes every guest libvirt holds paused in any host (an
    administrator's repair, for stacks that resume nothing themselves)."""
    for h in layout.hosts:
        for g in guest_names(state):
            if domstate(state, h, g) == "paused":
                hosts.run_in(state, h, ["virsh", "-c", "qemu:///system", "resume", g],
                             timeout=30, check=False)
