"""`storage-cut`: one host's storage cable pulled (its port on the storage
bridge down) while its cluster link stays up. Expected (XCP-ng/XenServer
table): the host's storage health turns red, its guest is recovered on
another host within kill_paused_after + 10 s, nobody is fenced, and the
guest's disk never shows two boots writing."""

import time

from . import cib, network, observe
from . import guests as G
from . import evidence as E
from . import scenario_kit as K

GRACE = 10
RESTORE_TIMEOUT = 60


def run(layout, state, guest="g1"):
    victim, watcher, before = K.start_on_guest(state, layout, guest)
    old_boot = before.boot_id
    res = K.result(state, "storage-cut", host=victim.name, guest=guest,
                   deadline_s=cib.KILL_PAUSED_AFTER + GRACE)
    classic = res["stack"] == "classic"
    wall0, t0 = time.time(), time.monotonic()
    network.set_host_link(layout, victim, "storage", False)
    try:
        m = K.Milestones(t0)

        def red():
            return E.node_health(state, watcher).get(victim.name) == "red"

        def elsewhere():
            view = observe.cluster_view(state, layout, watcher) or {}
            nodes = view.get("started", {}).get(guest, [])
            return len(nodes) == 1 and nodes[0] != victim.name and nodes[0]

        checks = {"paused": lambda: E.domstate(state, victim, guest) == "paused", "detected": red,
                  "guest_running": elsewhere,
                  # Past the old boot's records: the disk also holds boots
                  # of earlier scenarios.
                  "first_write": lambda: any(r.boot_id != old_boot and r.counter > before.counter
                                             for r in G.records(layout, guest))}
        seen = m.poll(checks, res["deadline_s"] + 20, until=["detected", "guest_running",
                                                               "first_write"])
        for k in checks:
            res[f"{k}_s"] = seen.get(k)
    finally:
        network.set_host_link(layout, victim, "storage", True)
    problems = []
    # The classic stack has no storage health and nothing acts on a paused
    # guest: what it did is a finding; no split brain stays a problem.
    report = res["findings"].append if classic else problems.append
    if res["detected_s"] is None:
        report(f"{victim.name}'s {E.HEALTH} never turned red")
    if res["guest_running_s"] is None or res["guest_running_s"] > res["deadline_s"]:
        report(f"{guest} not running elsewhere within {res['deadline_s']} s "
               f"({res['guest_running_s']}; libvirt: {E.domstate(state, victim, guest)} on "
               f"{victim.name})")
    view = K.survivor_view(state, layout, watcher)
    res["new_host"] = (view["started"].get(guest) or [None])[0]
    recs = G.records(layout, guest)
    old_last = max(r.counter for r in recs if r.boot_id == old_boot)
    if res["first_write_s"] is not None or not classic:
        problems += E.verify_records(layout, guest, old_boot, old_last)
    problems += E.no_fencing(res, layout, wall0, "storage lost alone")
    # Restore: the cable is back; the host's health turns green again (on
    # the classic stack an administrator resumes the paused guest).
    if classic:
        K.resume_paused(state, layout)
    else:
        m.poll({"restored": lambda: E.node_health(state, watcher).get(victim.name) == "green"},
               RESTORE_TIMEOUT, interval=0.5)
        res["restored_s"] = m.seen.get("restored")
        if res["restored_s"] is None:
            problems.append(f"{victim.name}'s storage health not green again after the cable "
                            "is back")
    # With migration-threshold=1 the kill keeps g1 off the victim until cleared.
    K.clear_failures(state, layout)
    problems += E.placement_once(state, layout, K.guest_names(state),
                                 K.survivor_view(state, layout, watcher))
    res["problems"] = problems
    return K.save(state, res)

