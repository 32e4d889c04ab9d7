"""What scenarios share: starting from a whole, settled lab, finding where a
guest runs, waiting for a new instance of it, Pacemaker commands on a host,
the checks most verifications make, and the repairs a restore makes. Each
takes the Run (contract.py). What they observe is in evidence.py."""

import re
import time

from .. import evidence as E
from .. import guests as G
from .. import hosts, logtimes, observe, power
from ..peers.cluster_host import pids_in_pidns
from ..peers.proc import HarnessError

RECOVERY_TIMEOUT = 60
REJOIN_TIMEOUT = 90
READY_TIMEOUT = 90
# Records come every 100 ms: 6 s of uninterrupted writing, at least.
SETTLE_RECORDS = 60


def ready(run):
    """Waits until the lab is whole (every host on and in the cluster, each
    guest running once where Pacemaker says); returns {guest: HostSpec}."""
    state, layout = run.state, run.layout
    run.wait("every host online with a DC and quorum", lambda: observe.formed(state, layout),
             READY_TIMEOUT, interval=0.5)
    run.say(f"waiting for the fence devices, eventd and each guest running once "
            f"(up to {READY_TIMEOUT} s)")
    view = observe.wait_services(state, layout, run.guest_names(), READY_TIMEOUT)
    return {g: layout.host(view["started"][g][0]) for g in run.guest_names()}


def clear_failures(run):
    """crm_resource --cleanup: what an administrator runs once the fault is
    repaired, so the host a guest failed on may take it again."""
    hosts.run_in(run.state, hosts.first_on(run.state, run.layout), ["crm_resource", "--cleanup"],
                 timeout=30)


def start_clean(run):
    """Forgets the guests' past failures (crm_resource --cleanup), so that
    with migration-threshold=1 an earlier scenario's failure does not keep a
    guest off a host in this one, and waits until the lab is whole."""
    clear_failures(run)
    placed = ready(run)
    # vmha-eventd takes a pause within 5 s of a resume for the earlier pause
    # going on (flapping storage): the guests first write for longer than
    # that, so this scenario's pauses are its own.
    start = E.last_records(run.layout, run.guest_names())
    run.wait(f"every guest to write {SETTLE_RECORDS} more records",
             lambda: all(E.last_records(run.layout, [g])[g].counter
                         >= start[g].counter + SETTLE_RECORDS for g in start),
             READY_TIMEOUT, interval=0.5)
    return placed


def on_guest(run, guest):
    """The host that runs guest (the victim), another host that is on (the
    watcher), and the guest's newest disk record; sets run.host, run.guest."""
    where = observe.guest_placement(run.state, run.layout, [guest])[guest]
    if len(where) != 1:
        raise HarnessError(f"{guest} runs on {where}, not exactly one host: the lab is not ready")
    victim = run.layout.host(where[0])
    run.host, run.guest = victim.name, guest
    return victim, other_host(run, victim), last_record(run, guest)


def other_host(run, spec):
    return next(h for h in run.layout.hosts if h is not spec and hosts.is_on(run.state, h))


def qemu_pid(run, spec, guest):
    """The guest's QEMU PID inside the host's PID namespace, or None."""
    try:
        cp = hosts.run_in(run.state, spec, ["cat", f"/run/libvirt/qemu/{guest}.pid"], timeout=10,
                          check=False)
    except HarnessError:
        return None
    return int(cp.stdout) if cp.returncode == 0 and cp.stdout.strip().isdigit() else None


def signal_in_host(run, spec, sig, pid):
    hosts.run_in(run.state, spec, ["kill", f"-{sig}", str(pid)], timeout=10)


def last_record(run, guest):
    recs = G.records(run.layout, guest)
    if not recs:
        raise HarnessError(f"{guest} has written nothing: the lab is not ready")
    return recs[-1]


def new_boot_wrote(run, guest, last):
    """Whether a boot other than `last`'s wrote past it (the ring also holds
    boots of earlier scenarios)."""
    return any(r.boot_id != last.boot_id and r.counter > last.counter
               for r in G.records(run.layout, guest))


def started_on(run, observer, guest):
    """The nodes Pacemaker (seen from observer) runs guest on, or None while
    observer's Pacemaker does not answer."""
    view = observe.cluster_view(run.state, run.layout, observer)
    return None if view is None else view["started"].get(guest, [])


def seen_lost(run, observer, spec):
    """Whether observer's Pacemaker answers and no longer lists spec online."""
    view = observe.cluster_view(run.state, run.layout, observer)
    return view is not None and spec.name not in view["online"]


def running_elsewhere(run, observer, guest, victim):
    """The one node other than victim that Pacemaker (seen from observer)
    runs guest on, or None."""
    nodes = started_on(run, observer, guest) or []
    return nodes[0] if len(nodes) == 1 and nodes[0] != victim.name else None


def new_instance(run, guest, observer, old):
    """(host name, pid) when libvirt runs exactly one QEMU for the guest, in
    a host and with a PID other than old=(host name, pid), and Pacemaker
    (seen from observer) runs it there; else None."""
    where = observe.guest_placement(run.state, run.layout, [guest])[guest]
    if len(where) != 1:
        return None
    now = (where[0], qemu_pid(run, run.layout.host(where[0]), guest))
    if now[1] is None or now == old:
        return None
    return now if started_on(run, observer, guest) == [now[0]] else None


def wait_new_instance(run, guest, observer, old, timeout=RECOVERY_TIMEOUT):
    """Waits for new_instance(); returns it."""
    return run.wait(f"a new instance of {guest}", lambda: new_instance(run, guest, observer, old),
                    timeout)


def holds_for(seconds, check, interval=0.5):
    """Checks a condition over a whole window (what must keep being true, or
    never happen); returns the first problem check() names, or None."""
    deadline = time.monotonic() + seconds
    while True:
        problem = check()
        if problem or time.monotonic() >= deadline:
            return problem
        time.sleep(interval)


class Writes:
    """Follows guests' disk records from the host, for guest_pause_s: the
    longest time during which a guest wrote no new record, as seen by
    polls (call poll() at least every 0.5 s: that is the resolution; the
    guests' own clocks stop while they are paused)."""

    def __init__(self, run, names):
        self.layout = run.layout
        now = time.monotonic()
        self.last = {g: (E.last_records(self.layout, [g])[g], now) for g in names}
        self.longest = dict.fromkeys(names, 0.0)

    def poll(self):
        """Reads each guest's newest record."""
        now = time.monotonic()
        for g, (rec, since) in self.last.items():
            new = E.last_records(self.layout, [g])[g]
            self.longest[g] = max(self.longest[g], now - since)
            if new is not None and (rec is None or new.counter > rec.counter):
                self.last[g] = (new, now)

    def pause_s(self):
        """The longest gap of any guest, in seconds."""
        return round(max(self.longest.values()), 2)


def restarted(run, before):
    """Problems naming each guest whose newest record is not of the boot in
    `before` ({guest: record}); none when every guest kept its boot."""
    after = E.last_records(run.layout, list(before))
    return [f"{g} restarted (boot {rec.boot_id[:8]} -> "
            f"{after[g].boot_id[:8] if after[g] else None})"
            for g, rec in before.items() if after[g] is None or after[g].boot_id != rec.boot_id]


def pcmk(run, spec, *argv, check=True):
    """A Pacemaker command line tool run inside a host; returns its stdout."""
    cp = hosts.run_in(run.state, spec, list(argv), timeout=30, check=check)
    return cp.stdout.strip()


def failed_ops(run, spec, rsc):
    """The resource's failed operations crm_mon lists, seen from spec, as
    "op_key on node: status"."""
    mon = hosts.crm_mon(run.state, spec)
    if mon is None:
        return []
    return [f"{f.get('op_key')} on {f.get('node')}: {f.get('status')}"
            for f in mon.findall("failures/failure") if f.get("op_key", "").startswith(f"{rsc}_")]


def op_timeout_s(run, spec, rsc, op):
    """The resource's configured timeout for an operation, in seconds."""
    xml = pcmk(run, spec, "cibadmin", "-Q", "--xpath",
               f"//primitive[@id='{rsc}']/operations/op[@name='{op}']")
    m = re.search(r'timeout="(\d+)s?"', xml)
    if not m:
        raise HarnessError(f"{rsc} has no {op} timeout in the CIB")
    return int(m.group(1))


def survivor_view(run, spec):
    view = observe.cluster_view(run.state, run.layout, spec)
    if view is None:
        raise HarnessError(f"{spec.name}'s Pacemaker does not answer")
    return view


def no_fencing(run, what):
    """For faults that must not fence: records the BMCs' power events since
    the fault (fenced_s stays None) and a problem if there are any."""
    run.fence_events = E.fence_events(run.layout, run.wall0)
    if run.fence_events:
        run.problem(f"{what} must not fence: {run.fence_events}")


def placement_once(run, observer):
    """Problems unless every guest runs exactly once, where Pacemaker (seen
    from observer) says."""
    for p in E.placement_once(run.state, run.layout, run.guest_names(),
                              survivor_view(run, observer)):
        run.problem(p)


def host_loss_logs(run, victims, guest, new_host):
    """lost_log_s, fenced_log_s and (guest's on new_host) qemu_started_s
    from the hosts' logs."""
    run.timings.update(logtimes.host_loss(run.layout, victims, guest, new_host, run.wall0))


def qemu_started(run, guest, new_host):
    """qemu_started_s: libvirt's start of guest's new QEMU, from its log."""
    t = logtimes.qemu_started(run.layout, guest, new_host, run.wall0) if new_host else None
    run.timings["qemu_started_s"] = None if t is None else round(t - run.wall0, 2)


def observe_host_loss(run, observer):
    """For a host lost with its guest (run.victim, run.guest, its last
    record run.last): polls the observer seeing it lost (detected), the
    guest running elsewhere and its new boot's first write; then sets
    new_host, the hosts' log timings and the BMC's events, fenced_s being
    its first power action. run.fenced_before_start: whether the BMC had
    acted when the guest was first seen elsewhere."""
    run.fenced_before_start = False

    def elsewhere():
        new = running_elsewhere(run, observer, run.guest, run.victim)
        if new:
            run.fenced_before_start = bool(E.bmc_events(run.layout, run.wall0, [run.host]))
        return new
    seen = run.poll({"detected": lambda: seen_lost(run, observer, run.victim),
                     "guest_running": elsewhere,
                     "first_write": lambda: new_boot_wrote(run, run.guest, run.last)},
                    RECOVERY_TIMEOUT, interval=0.1)
    for k in ("detected", "guest_running", "first_write"):
        run.timings[f"{k}_s"] = seen.get(k)
    run.new_host = running_elsewhere(run, observer, run.guest, run.victim)
    host_loss_logs(run, [run.victim], run.guest, run.new_host)
    events = E.bmc_events(run.layout, run.wall0, [run.host])
    run.fence_events = E.as_recorded(events)
    run.timings["fenced_s"] = events[0][1] if events else None


def verify_host_loss(run):
    """The checks of observe_host_loss's outcome: the guest running on a
    survivor, after its old host was fenced, exactly there, with no
    split-brain writes. False when the guest never ran elsewhere."""
    running, fenced = run.timings["guest_running_s"], run.timings["fenced_s"]
    if running is None:
        run.problem(f"{run.guest} not started on a survivor within {RECOVERY_TIMEOUT} s")
        return False
    if fenced is None:
        run.problem(f"{run.host} was not fenced through its BMC")
    elif fenced > running or not run.fenced_before_start:
        run.problem(f"{run.guest} started on {run.new_host} before {run.host} was fenced")
    for p in E.verify_records(run.layout, run.guest, run.last.boot_id, run.last.counter):
        run.problem(p)
    placement = observe.guest_placement(run.state, run.layout, [run.guest])[run.guest]
    if placement != [run.new_host]:
        run.problem(f"{run.guest}: libvirt runs it on {placement}, Pacemaker on {run.new_host}")
    return True


def power_on_all(run):
    """Powers on every host that is off (fencing may leave one off)."""
    for h in run.layout.hosts:
        if not hosts.is_on(run.state, h):
            hosts.power_on(run.state, h)


# A host on for this long with neither corosync nor pacemakerd has stopped
# its cluster stack (they start within seconds of its self test).
STACK_STOPPED_S = power.POST_S + 15


def host_programs(run, spec):
    """The command names (comm) of the host's processes; [] when it is off."""
    rec = hosts.record(run.state, spec)
    found = []
    for pid in pids_in_pidns(rec["pidns"]) if rec else []:
        try:
            with open(f"/proc/{pid}/comm") as f:
                found.append(f.read().strip())
        except OSError:
            continue
    return found


def wait_formed(run, timeout=REJOIN_TIMEOUT):
    """Every host on and in the cluster again: powers on any that is off,
    and power-cycles any whose cluster stack stopped. A host that fencing
    rebooted and that rejoins before the survivors' fencer has confirmed
    it is told it was fenced, and its pacemakerd stays down (what an
    administrator would then restart); the lab's hosts boot in a second,
    far sooner than real ones, so on a loaded machine this happens."""
    power_on_all(run)
    stopped_since = {}

    def formed():
        for h in run.layout.hosts:
            if not hosts.is_on(run.state, h) or {"corosync", "pacemakerd"} & set(
                    host_programs(run, h)):
                stopped_since.pop(h.name, None)
                continue
            since = stopped_since.setdefault(h.name, time.monotonic())
            if time.monotonic() - since >= STACK_STOPPED_S:
                run.say(f"{h.name}'s cluster stack stopped (it came back before its fencing "
                        "was confirmed): power-cycling it")
                hosts.power_off(run.state, h)
                hosts.power_on(run.state, h)
                stopped_since.pop(h.name)
        return observe.formed(run.state, run.layout)
    run.wait("every host back in the cluster", formed, timeout, interval=0.5)


def resume_paused(run):
    """Resumes every guest libvirt holds paused in any host (an
    administrator's repair, for stacks that resume nothing themselves)."""
    for h in run.layout.hosts:
        for g in run.guest_names():
            if E.domstate(run.state, h, g) == "paused":
                hosts.run_in(run.state, h, ["virsh", "-c", "qemu:///system", "resume", g],
                             timeout=30, check=False)
