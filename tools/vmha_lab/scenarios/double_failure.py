"""`double-failure`: the two hosts running guests lose power at the same
moment. Expected: the quorum device keeps the lone survivor quorate
(detected_s), both lost hosts are fenced through their BMCs (fenced_s:
both), the survivor runs what its capacity allows (one 96 MiB guest in
128 MiB) and the guest that does not fit stays stopped, and is reported,
until a fenced host is back. The core timings are the guest's that runs."""

import os
import signal

from .. import evidence as E
from .. import guests as G
from .. import hosts
from .. import observe as V
from ..peers.proc import HarnessError
from ..state import is_same_process
from . import kit as K
from .contract import Needs

NAME = "double-failure"
SUMMARY = "both guests' hosts killed at once"
ORDER = 420
NEEDS = Needs(hosts=3, guests=2, qdevice=True)
EXPECTED = {
    "vmha": "the quorum device keeps the survivor quorate; both hosts fenced; the guest that "
            "fits runs there, the other stays stopped (reported) until a host is back",
    "classic": "the quorum device keeps the survivor quorate; both hosts fenced; the guest "
               "that fits runs there, the other stays stopped (reported) until a host is back",
}
MEASURES = ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
            "guest_running_s", "first_write_s")
EXTRA = {
    "survivor": "the host left",
    "running_on_survivor": "the guests running there once both hosts are fenced",
    "stopped_no_capacity": "the guests stopped then, for want of capacity",
    "all_running_s": "every guest running again once the hosts are back",
}
REJOIN_TIMEOUT = 120


def prepare(run):
    K.start_clean(run)
    run.names = run.guest_names()
    where = V.guest_placement(run.state, run.layout, run.names)
    run.victims = [run.layout.host(where[g][0]) for g in run.names if len(where[g]) == 1]
    if len({v.name for v in run.victims}) != 2:
        raise HarnessError(f"guests run on {where}: double-failure needs them on two hosts")
    run.survivor = next(h for h in run.layout.hosts
                        if h not in run.victims and hosts.is_on(run.state, h))
    run.old = E.last_records(run.layout, run.names)
    run.host, run.guest = "+".join(v.name for v in run.victims), ",".join(run.names)
    run.extra["survivor"] = run.survivor.name


def inject(run):
    recs = [hosts.record(run.state, v) for v in run.victims]
    run.fault()
    for rec in recs:  # both plugs at once, then wait for both hosts to be gone
        if is_same_process(rec):
            os.kill(rec["pid"], signal.SIGKILL)
    for v in run.victims:
        hosts.power_off(run.state, v)
    run.say(f"killed the PID 1 of {run.host}")


def _view(run):
    return V.cluster_view(run.state, run.layout, run.survivor) or {}


def observe(run):
    names, survivor = run.names, run.survivor.name
    first_up = []
    snapshot = {}

    def alone_quorate():
        view = _view(run)
        return view.get("quorate") and view.get("online") == {survivor}

    def fenced():
        done = {h for h, _, _ in E.bmc_events(run.layout, run.wall0,
                                               [v.name for v in run.victims])}
        return len(done) == 2

    def one_running():
        s = _view(run).get("started", {})
        up = [g for g in names if s.get(g) == [survivor]]
        if up and not first_up:
            first_up.extend(up)
        return bool(up)

    def placed():
        # Read once both hosts are fenced: until then a guest of the host
        # still being fenced shows as Started there (UNCLEAN), neither
        # running nor stopped. Stopped: started on no online host.
        if not fenced():
            return False
        view = _view(run)
        s, online = view.get("started", {}), view.get("online", set())
        running = [g for g in names if s.get(g) == [survivor]]
        stopped = [g for g in names if not any(n in online for n in s.get(g, []))]
        if not running or len(running) + len(stopped) != len(names):
            return False
        snapshot.update(running=running, stopped=stopped)
        return True

    def new_write():
        return any(K.new_boot_wrote(run, g, run.old[g]) for g in first_up)

    seen = run.poll({"detected": alone_quorate, "fenced": fenced, "guest_running": one_running,
                     "placed": placed, "first_write": new_write}, K.RECOVERY_TIMEOUT)
    for k in ("detected", "fenced", "guest_running", "first_write"):
        run.timings[f"{k}_s"] = seen.get(k)
    if not snapshot:  # never settled: what the survivor shows, for the problem below
        s = _view(run).get("started", {})
        snapshot.update(running=[g for g in names if s.get(g) == [survivor]],
                        stopped=[g for g in names if not s.get(g)])
    run.extra["running_on_survivor"] = snapshot["running"]
    run.extra["stopped_no_capacity"] = snapshot["stopped"]
    run.fence_events = E.fence_events(run.layout, run.wall0)
    if first_up:
        run.new_host = survivor
        K.host_loss_logs(run, run.victims, first_up[0], survivor)
    else:
        K.host_loss_logs(run, run.victims, None, None)


def verify(run):
    running, stopped = run.extra["running_on_survivor"], run.extra["stopped_no_capacity"]
    if run.timings["detected_s"] is None:
        run.problem(f"{run.survivor.name} did not stay quorate alone (quorum device)")
    if run.timings["fenced_s"] is None:
        run.problem(f"not both of {run.host} fenced through their BMCs")
    if len(running) != 1 or len(stopped) != 1:
        run.problem(f"capacity allows one guest on {run.survivor.name}: running {running}, "
                    f"stopped {stopped}")
    for g in running:
        old_last = max(r.counter for r in G.records(run.layout, g)
                       if r.boot_id == run.old[g].boot_id)
        for p in E.verify_records(run.layout, g, run.old[g].boot_id, old_last):
            run.problem(p)


def restore(run):
    # The fenced hosts come back (fencing rebooted them); the guest that
    # did not fit then starts on one of them.
    K.wait_formed(run, REJOIN_TIMEOUT)

    def all_running():
        view = V.cluster_view(run.state, run.layout, run.survivor)
        return (view is not None and all(len(view["started"].get(g, [])) == 1 for g in run.names)
                and not E.placement_once(run.state, run.layout, run.names, view))
    seen = run.poll({"all_running": all_running}, K.RECOVERY_TIMEOUT)
    run.extra["all_running_s"] = seen.get("all_running")
    if run.extra["all_running_s"] is None:
        run.problem("not every guest running again after both hosts came back")
    K.placement_once(run, run.survivor)
