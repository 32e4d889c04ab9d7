"""`storage-outage`: every host loses storage at once (each host's storage
cable pulled), long enough for the guests to pause on I/O errors and every
host's storage health to turn red (detected_s), then storage returns well
before the kill deadline. Expected (seed 000's resume behaviour): the
guests are resumed where they were (first_write_s: every guest writing
again), none restarts (same_boot), nothing moves, nobody is fenced."""

from .. import cib, hosts, network
from .. import evidence as E
from .. import observe as V
from . import kit as K
from .contract import Needs

NAME = "storage-outage"
SUMMARY = "every host's storage cable pulled until the guests pause, then plugged back"
ORDER = 200
NEEDS = Needs(guests=2)
EXPECTED = {
    "vmha": "every host red, guests paused, then resumed where they were: none restarts, "
            "nothing moves, no fencing",
    "classic": "guests paused and never resumed (an administrator resumes them: findings); "
               "none restarts, nothing moves, no fencing",
}
MEASURES = ("detected_s", "fenced_s", "first_write_s", "guest_pause_s", "same_boot")
EXTRA = {
    "deadline_s": "kill_paused_after: storage returns before it",
    "paused_s": "every guest paused on an I/O error",
    "storage_back_s": "the cables plugged back",
    "green_s": "every host's storage health green again",
}
RESUME_TIMEOUT = 30


def prepare(run):
    K.start_clean(run)
    run.names = run.guest_names()
    run.watcher = hosts.first_on(run.state, run.layout)
    run.before = K.survivor_view(run, run.watcher)["started"]
    run.boots = E.last_records(run.layout, run.names)
    run.host, run.guest = "all", ",".join(run.names)
    run.extra["deadline_s"] = cib.KILL_PAUSED_AFTER


def _all(run, colour):
    health = E.node_health(run.state, run.watcher)
    return all(health.get(h.name) == colour for h in run.layout.hosts)


def _all_paused(run):
    return all(E.domstate(run.state, run.layout.host(run.before[g][0]), g) == "paused"
               for g in run.names)


def inject(run):
    run.writes = K.Writes(run, run.names)
    run.fault()
    for h in run.layout.hosts:
        network.set_host_link(run.layout, h, "storage", False)
    run.say("pulled every host's storage cable")


def observe(run):
    # Paused guests count their kill deadline from the pause: storage
    # returns with several seconds to spare.
    run.poll({"detected": lambda: _all(run, "red"), "paused": lambda: _all_paused(run)},
             cib.KILL_PAUSED_AFTER - 4, also=run.writes.poll)
    lasts = E.last_records(run.layout, run.names)
    _plug(run)
    run.extra["storage_back_s"] = run.since_fault()

    def writing():
        now = E.last_records(run.layout, run.names)
        return all(now[g] and lasts.get(g) and now[g].counter > lasts[g].counter
                   for g in run.names)
    seen = run.poll({"first_write": writing, "green": lambda: _all(run, "green")},
                    RESUME_TIMEOUT, also=run.writes.poll)
    run.timings["detected_s"] = seen.get("detected")
    run.timings["first_write_s"] = seen.get("first_write")
    run.timings["guest_pause_s"] = run.writes.pause_s()
    run.extra.update(paused_s=seen.get("paused"), green_s=seen.get("green"))


def _plug(run):
    for h in run.layout.hosts:
        network.set_host_link(run.layout, h, "storage", True)


def verify(run):
    # The classic stack has no storage health and resumes nothing: findings.
    report = run.finding if run.classic else run.problem
    if run.timings["detected_s"] is None:
        report("not every host's storage health turned red while storage was cut")
    if run.extra["paused_s"] is None:
        run.problem("not every guest paused on an I/O error while storage was cut")
    if run.timings["first_write_s"] is None:
        report(f"the guests did not all write again within {RESUME_TIMEOUT} s")
    if run.extra["green_s"] is None:
        report("storage health not green on every host again")
    if run.classic:
        K.resume_paused(run)  # what an administrator does, before the checks below
    restarted = K.restarted(run, run.boots)
    run.same_boot = not restarted
    for p in restarted:
        run.problem(p)
    view = K.survivor_view(run, run.watcher)
    for g in run.names:
        if view["started"].get(g) != run.before.get(g):
            run.problem(f"{g} moved: {run.before.get(g)} -> {view['started'].get(g)}")
    for p in E.placement_once(run.state, run.layout, run.names, view):
        run.problem(p)
    K.no_fencing(run, "a storage outage")


def restore(run):
    _plug(run)
    if run.classic:
        K.resume_paused(run)
    run.wait("every host still in the cluster", lambda: V.formed(run.state, run.layout), 30,
             interval=0.5)
