"""`double-failure`: the two hosts running guests lose power at the same
moment. Expected: the quorum device keeps the lone survivor quorate, both
lost hosts are fenced through their BMCs, the survivor runs what its
capacity allows (one 96 MiB guest in 128 MiB) and the guest that does not
fit stays stopped, and is reported, until a fenced host is back."""

import os
import signal
import time

from .peers.proc import HarnessError

from . import hosts, observe
from . import guests as G
from . import evidence as E
from . import scenario_kit as K
from .state import is_same_process

RECOVERY_TIMEOUT = 60
REJOIN_TIMEOUT = 120


def run(layout, state):
    K.start_clean(state, layout)
    names = K.guest_names(state)
    where = observe.guest_placement(state, layout, names)
    victims = [layout.host(where[g][0]) for g in names if len(where[g]) == 1]
    if len({v.name for v in victims}) != 2:
        raise HarnessError(f"guests run on {where}: double-failure needs them on two hosts")
    survivor = next(h for h in layout.hosts if h not in victims and hosts.is_on(state, h))
    old = E.last_records(layout, names)
    res = K.result(state, "double-failure", host="+".join(v.name for v in victims),
                   guest=",".join(names), survivor=survivor.name)
    recs = [hosts.record(state, v) for v in victims]
    wall0, t0 = time.time(), time.monotonic()
    for rec in recs:  # both plugs at once, then wait for both hosts to be gone
        if is_same_process(rec):
            os.kill(rec["pid"], signal.SIGKILL)
    for v in victims:
        hosts.power_off(state, v)
    snapshot = {}

    def alone_quorate():
        view = observe.cluster_view(state, layout, survivor)
        return view and view["quorate"] and view["online"] == {survivor.name}

    def fenced():
        done = {h for h, _, _ in E.bmc_events(layout, wall0, [v.name for v in victims])}
        return len(done) == 2

    first_up = []

    def one_running():
        view = observe.cluster_view(state, layout, survivor) or {}
        s = view.get("started", {})
        up = [g for g in names if s.get(g) == [survivor.name]]
        if up and not first_up:
            first_up.extend(up)
        return bool(up)

    def placed():
        # Read once both hosts are fenced: until then a guest of the host
        # still being fenced shows as Started there (UNCLEAN), neither
        # running nor stopped. Stopped: started on no online host.
        if not fenced():
            return False
        view = observe.cluster_view(state, layout, survivor) or {}
        s, online = view.get("started", {}), view.get("online", set())
        running = [g for g in names if s.get(g) == [survivor.name]]
        stopped = [g for g in names if not any(n in online for n in s.get(g, []))]
        if not running or len(running) + len(stopped) != len(names):
            return False
        snapshot.update(running=running, stopped=stopped, online=sorted(online), quorate=view["quorate"])
        return True

    def new_write():
        # The disk also holds boots of earlier scenarios: a new boot's
        # record is one past the old instance's last.
        return any(r.boot_id != old[g].boot_id and r.counter > old[g].counter
                   for g in first_up for r in G.records(layout, g))

    m = K.Milestones(t0)
    seen = m.poll({"detected": alone_quorate, "fenced": fenced, "guest_running": one_running,
                   "placed": placed, "first_write": new_write}, RECOVERY_TIMEOUT)
    for k in ("detected", "fenced", "guest_running", "first_write"):
        res[f"{k}_s"] = seen.get(k)
    if not snapshot:  # never settled: record what the survivor shows, for the problem below
        view = observe.cluster_view(state, layout, survivor) or {}
        s = view.get("started", {})
        snapshot.update(running=[g for g in names if s.get(g) == [survivor.name]],
                        stopped=[g for g in names if not s.get(g)])
    res["fence_events"] = E.fence_events(layout, wall0)
    res["running_on_survivor"] = snapshot.get("running", [])
    res["stopped_no_capacity"] = snapshot.get("stopped", [])
    problems = []
    if res["detected_s"] is None:
        problems.append(f"{survivor.name} did not stay quorate alone (quorum device)")
    if res["fenced_s"] is None:
        problems.append(f"not both of {res['host']} fenced through their BMCs")
    if len(res["running_on_survivor"]) != 1 or len(res["stopped_no_capacity"]) != 1:
        problems.append(f"capacity allows one guest on {survivor.name}: running "
                        f"{res['running_on_survivor']}, stopped {res['stopped_no_capacity']}")
    for g in res["running_on_survivor"]:
        recs_g = G.records(layout, g)
        old_last = max(r.counter for r in recs_g if r.boot_id == old[g].boot_id)
        problems += E.verify_records(layout, g, old[g].boot_id, old_last)
    # Restore: the fenced hosts come back (fencing rebooted them); the
    # guest that did not fit then starts on one of them.
    K.wait_formed(state, layout, REJOIN_TIMEOUT)
    def all_running():
        view = observe.cluster_view(state, layout, survivor)
        return (view is not None and all(len(view["started"].get(g, [])) == 1 for g in names)
                and not E.placement_once(state, layout, names, view))

    m.poll({"all_running": all_running}, RECOVERY_TIMEOUT)
    res["restored_s"] = m.seen.get("all_running")
    if res["restored_s"] is None:
        problems.append("not every guest running again after both hosts came back")
    problems += E.placement_once(state, layout, names, K.survivor_view(state, layout, survivor))
    res["problems"] = problems
    return K.save(state, res)
