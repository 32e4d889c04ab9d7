"""`storage-outage`: every host loses storage at once (each host's storage
cable pulled), long enough for the guests to pause on I/O errors and every
host's storage health to turn red, then storage returns well before the
kill deadline. Expected (seed 000's resume behaviour): the guests are
resumed where they were, none restarts (same boot ids on their disks),
nothing moves, nobody is fenced."""

import time

from .peers.proc import wait_until

from . import cib, hosts, network, observe
from . import evidence as E
from . import scenario_kit as K

RESUME_TIMEOUT = 30


def run(layout, state):
    names = K.guest_names(state)
    K.start_clean(state, layout)
    watcher = hosts.first_on(state, layout)
    before = K.survivor_view(state, layout, watcher)["started"]
    boots = {g: r.boot_id for g, r in E.last_records(layout, names).items()}
    res = K.result(state, "storage-outage", host="all", guest=",".join(names),
                   deadline_s=cib.KILL_PAUSED_AFTER)
    classic = res["stack"] == "classic"
    wall0, t0 = time.time(), time.monotonic()
    m = K.Milestones(t0)
    lasts = {}

    def all_red():
        health = E.node_health(state, watcher)
        return all(health.get(h.name) == "red" for h in layout.hosts)

    def all_paused():
        return all(E.domstate(state, layout.host(before[g][0]), g) == "paused" for g in names)

    for h in layout.hosts:
        network.set_host_link(layout, h, "storage", False)
    try:
        # Paused guests count their kill deadline from the pause: storage
        # returns with several seconds to spare.
        m.poll({"detected": all_red, "paused": all_paused}, cib.KILL_PAUSED_AFTER - 4)
        lasts = E.last_records(layout, names)
    finally:
        for h in layout.hosts:
            network.set_host_link(layout, h, "storage", True)
    res["storage_back_s"] = round(time.monotonic() - t0, 2)

    def writing():
        now = E.last_records(layout, names)
        return all(now[g] and lasts.get(g) and now[g].counter > lasts[g].counter for g in names)

    def all_green():
        health = E.node_health(state, watcher)
        return all(health.get(h.name) == "green" for h in layout.hosts)

    seen = m.poll({"first_write": writing, "green": all_green}, RESUME_TIMEOUT)
    for k in ("detected", "paused", "first_write", "green"):
        res[f"{k}_s"] = seen.get(k)
    problems = []
    # The classic stack has no storage health and resumes nothing: findings.
    report = res["findings"].append if classic else problems.append
    if res["detected_s"] is None:
        report("not every host's storage health turned red while storage was cut")
    if res["paused_s"] is None:
        problems.append("not every guest paused on an I/O error while storage was cut")
    if res["first_write_s"] is None:
        report(f"the guests did not all write again within {RESUME_TIMEOUT} s")
    if res["green_s"] is None:
        report("storage health not green on every host again")
    if classic:
        K.resume_paused(state, layout)  # what an administrator does
    after = E.last_records(layout, names)
    for g in names:
        if after[g] is None or after[g].boot_id != boots[g]:
            problems.append(f"{g} restarted (boot {boots[g][:8]} -> "
                            f"{after[g].boot_id[:8] if after[g] else None})")
    view = K.survivor_view(state, layout, watcher)
    for g in names:
        if view["started"].get(g) != before.get(g):
            problems.append(f"{g} moved: {before.get(g)} -> {view['started'].get(g)}")
    problems += E.placement_once(state, layout, names, view)
    problems += E.no_fencing(res, layout, wall0, "a storage outage")
    wait_until(lambda: observe.formed(state, layout), 30, interval=0.5,
               what="every host still in the cluster")
    res["problems"] = problems
    return K.save(state, res)
