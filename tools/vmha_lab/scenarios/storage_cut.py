"""`storage-cut`: one host's storage cable pulled (its port on the storage
bridge down) while its cluster link stays up. Expected (XCP-ng/XenServer
table): the host's storage health turns red (detected_s), its guest is
recovered on another host within kill_paused_after + 10 s, nobody is
fenced, and the guest's disk never shows two boots writing."""

from .. import cib, network
from .. import evidence as E
from .. import guests as G
from . import kit as K
from .contract import Needs

NAME = "storage-cut"
SUMMARY = "g1's host's storage cable pulled, its cluster link up"
ORDER = 210
NEEDS = Needs(guests=1)
GRACE = 10
EXPECTED = {
    "vmha": f"g1 pauses, its host turns red, g1 is killed at kill_paused_after "
            f"({cib.KILL_PAUSED_AFTER} s) and runs elsewhere within it + {GRACE} s; no fencing",
    "classic": "g1 pauses and is never moved (findings); no fencing",
}
MEASURES = ("detected_s", "fenced_s", "qemu_started_s", "guest_running_s", "first_write_s")
EXTRA = {
    "deadline_s": "kill_paused_after + 10 s: g1 must run elsewhere by then",
    "paused_s": "g1 paused on an I/O error",
    "health_green_s": "the host's storage health green again, in seconds from the cable's "
                      "return (vmha)",
}
RESTORE_TIMEOUT = 60


def prepare(run):
    K.start_clean(run)
    run.victim, run.watcher, run.before = K.on_guest(run, "g1")
    run.extra["deadline_s"] = cib.KILL_PAUSED_AFTER + GRACE


def inject(run):
    run.fault()
    network.set_host_link(run.layout, run.victim, "storage", False)
    run.say(f"pulled {run.host}'s storage cable")


def observe(run):
    g, victim = run.guest, run.victim
    checks = {"paused": lambda: E.domstate(run.state, victim, g) == "paused",
              "detected": lambda: E.node_health(run.state, run.watcher).get(run.host) == "red",
              "guest_running": lambda: K.running_elsewhere(run, run.watcher, g, victim),
              "first_write": lambda: K.new_boot_wrote(run, g, run.before)}
    seen = run.poll(checks, run.extra["deadline_s"] + 20,
                    until=["detected", "guest_running", "first_write"])
    run.extra["paused_s"] = seen.get("paused")
    for k in ("detected", "guest_running", "first_write"):
        run.timings[f"{k}_s"] = seen.get(k)
    run.new_host = (K.survivor_view(run, run.watcher)["started"].get(g) or [None])[0]
    K.qemu_started(run, g, run.new_host if run.new_host != run.host else None)


def verify(run):
    # The classic stack has no storage health and nothing acts on a paused
    # guest: what it did is a finding; no split brain stays a problem.
    report = run.finding if run.classic else run.problem
    running, deadline = run.timings["guest_running_s"], run.extra["deadline_s"]
    if run.timings["detected_s"] is None:
        report(f"{run.host}'s {E.HEALTH} never turned red")
    if running is None or running > deadline:
        report(f"{run.guest} not running elsewhere within {deadline} s ({running}; libvirt: "
               f"{E.domstate(run.state, run.victim, run.guest)} on {run.host})")
    if run.timings["first_write_s"] is not None or not run.classic:
        for p in E.verify_records(run.layout, run.guest, run.before.boot_id,
                                  _old_last(run)):
            run.problem(p)
    K.no_fencing(run, "storage lost alone")


def _old_last(run):
    """The last counter the old instance wrote."""
    return max(r.counter for r in G.records(run.layout, run.guest)
               if r.boot_id == run.before.boot_id)


def restore(run):
    network.set_host_link(run.layout, run.victim, "storage", True)
    cable_back = run.since_fault()
    # The host's health turns green again; on the classic stack an
    # administrator resumes the paused guest.
    if run.classic:
        K.resume_paused(run)
    else:
        seen = run.poll({"health_green": lambda: E.node_health(
            run.state, run.watcher).get(run.host) == "green"}, RESTORE_TIMEOUT, interval=0.5)
        green = seen.get("health_green")
        run.extra["health_green_s"] = None if green is None else round(green - cable_back, 2)
        if green is None:
            run.problem(f"{run.host}'s storage health not green again after the cable is back")
    # With migration-threshold=1 the kill keeps g1 off the victim until cleared.
    K.clear_failures(run)
    K.placement_once(run, run.watcher)
