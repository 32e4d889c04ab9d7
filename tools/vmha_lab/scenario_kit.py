"""How scenarios run: starting from a whole, settled lab, finding where a
guest runs, waiting for a new instance of it or for several milestones at
once, Pacemaker commands on a host, the repairs a restore makes, and
recording the result. What they observe is in evidence.py."""

import re
import time

from .peers.proc import HarnessError, wait_until

from . import evidence as E
from . import guests as G
from . import hosts, observe

RECOVERY_TIMEOUT = 60
REJOIN_TIMEOUT = 90
READY_TIMEOUT = 90


def ready(state, layout):
    """Waits until the lab is whole (every host on and in the cluster, each
    guest running once where Pacemaker says); returns {guest: HostSpec}."""
    names = state.load().get("guests", [])
    wait_until(lambda: observe.formed(state, layout), READY_TIMEOUT, interval=0.5,
               what="every host online with a DC and quorum")
    view = observe.wait_services(state, layout, names, READY_TIMEOUT)
    return {g: layout.host(view["started"][g][0]) for g in names}


def stack(state):
    """The lab's stack: "vmha", or "classic" (labs made before stacks
    existed are vmha)."""
    return state.load().get("stack", "vmha")


def result(state, scenario, **fields):
    """A scenario's result dict: the stack it ran on, and an empty list of
    findings (what the classic stack did where a check is about vmha-only
    behaviour: reported, not counted as a problem)."""
    return dict({"scenario": scenario, "stack": stack(state)}, **fields, findings=[])


def other_host(state, layout, spec):
    return next(h for h in layout.hosts if h is not spec and hosts.is_on(state, h))


def qemu_pid(state, spec, guest):
    """The guest's QEMU PID inside the host's PID namespace, or None."""
    try:
        cp = hosts.run_in(state, spec, ["cat", f"/run/libvirt/qemu/{guest}.pid"], timeout=10,
                          check=False)
    except HarnessError:
        return None
    return int(cp.stdout) if cp.returncode == 0 and cp.stdout.strip().isdigit() else None


def signal_in_host(state, spec, sig, pid):
    hosts.run_in(state, spec, ["kill", f"-{sig}", str(pid)], timeout=10)


def last_record(layout, guest):
    recs = G.records(layout, guest)
    if not recs:
        raise HarnessError(f"{guest} has written nothing: the lab is not ready")
    return recs[-1]


def started_on(state, layout, observer, guest):
    view = observe.cluster_view(state, layout, observer)
    return None if view is None else view["started"].get(guest, [])


def wait_new_instance(state, layout, guest, observer, old, timeout=RECOVERY_TIMEOUT):
    """Waits until libvirt runs exactly one QEMU for the guest, in a host
    and with a PID other than old=(host name, pid), and Pacemaker (seen from
    observer) runs it there. Returns (host name, pid)."""
    def new_instance():
        where = observe.guest_placement(state, layout, [guest])[guest]
        if len(where) != 1:
            return None
        now = (where[0], qemu_pid(state, layout.host(where[0]), guest))
        if now[1] is None or now == old:
            return None
        return now if started_on(state, layout, observer, guest) == [now[0]] else None
    return wait_until(new_instance, timeout, interval=0.1, what=f"a new instance of {guest}")


def wait_new_boot_writes(layout, guest, last, timeout=RECOVERY_TIMEOUT):
    """Waits for a record of another boot than `last`'s, past it (the ring
    also holds boots of earlier scenarios)."""
    wait_until(lambda: any(r.boot_id != last.boot_id and r.counter > last.counter
                           for r in G.records(layout, guest)),
               timeout, interval=0.1, what=f"{guest}'s new boot to write")


def holds_for(seconds, check, interval=0.5):
    """Checks a condition over a whole window (what must keep being true, or
    never happen); returns the first problem check() names, or None."""
    deadline = time.monotonic() + seconds
    while True:
        problem = check()
        if problem or time.monotonic() >= deadline:
            return problem
        time.sleep(interval)


def pcmk(state, spec, *argv, check=True):
    """A Pacemaker command line tool run inside a host; returns its stdout."""
    cp = hosts.run_in(state, spec, list(argv), timeout=30, check=check)
    return cp.stdout.strip()


def failed_ops(state, spec, rsc):
    """The resource's failed operations crm_mon lists, seen from spec, as
    "op_key on node: status"."""
    mon = hosts.crm_mon(state, spec)
    if mon is None:
        return []
    return [f"{f.get('op_key')} on {f.get('node')}: {f.get('status')}"
            for f in mon.findall("failures/failure") if f.get("op_key", "").startswith(f"{rsc}_")]


def op_timeout_s(state, spec, rsc, op):
    """The resource's configured timeout for an operation, in seconds."""
    xml = pcmk(state, spec, "cibadmin", "-Q", "--xpath",
               f"//primitive[@id='{rsc}']/operations/op[@name='{op}']")
    m = re.search(r'timeout="(\d+)s?"', xml)
    if not m:
        raise HarnessError(f"{rsc} has no {op} timeout in the CIB")
    return int(m.group(1))


def save(state, res):
    with state.edit() as data:
        data.setdefault("results", []).append(res)
    return res


def elapsed(t0):
    return round(time.monotonic() - t0, 2)


# Records come every 100 ms: 6 s of uninterrupted writing, at least.
SETTLE_RECORDS = 60

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
    clear_failures(state, layout)
    placed = ready(state, layout)
    # vmha-eventd takes a pause within 5 s of a resume for the earlier pause
    # going on (flapping storage): the guests first write for longer than
    # that, so this scenario's pauses are its own.
    start = E.last_records(layout, guest_names(state))
    wait_until(lambda: all(E.last_records(layout, [g])[g].counter
                           >= start[g].counter + SETTLE_RECORDS for g in start),
               READY_TIMEOUT, interval=0.5,
               what=f"every guest to write {SETTLE_RECORDS} records")
    return placed


def start_on_guest(state, layout, guest):
    """start_clean, then the host that runs guest (the victim), another
    host that is on (the watcher), and the guest's newest disk record."""
    start_clean(state, layout)
    where = observe.guest_placement(state, layout, [guest])[guest]
    if len(where) != 1:
        raise HarnessError(f"{guest} runs on {where}, not exactly one host: the lab is not ready")
    victim = layout.host(where[0])
    watcher = next(h for h in layout.hosts if h is not victim and hosts.is_on(state, h))
    return victim, watcher, last_record(layout, guest)


def resume_paused(state, layout):
    """Resumes every guest libvirt holds paused in any host (an
    administrator's repair, for stacks that resume nothing themselves)."""
    for h in layout.hosts:
        for g in guest_names(state):
            if E.domstate(state, h, g) == "paused":
                hosts.run_in(state, h, ["virsh", "-c", "qemu:///system", "resume", g],
                             timeout=30, check=False)

