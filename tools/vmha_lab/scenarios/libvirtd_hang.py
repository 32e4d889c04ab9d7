"""`libvirtd-hang`: SIGSTOP of a host's libvirtd for longer than the
guest's monitor timeout. The host's #health-vmha-libvirt must turn red
(detected_s), the guest must be left running (its records keep coming, no
restart, no fencing: the daemon is hung, not the guest), and after SIGCONT
the health must be green again. While red, the scheduler must score every
other guest below 0 on that host (no new guest goes there).

The classic stack has no health attribute: detection never comes and a
finding says so; the guest must be left alone all the same."""

import re
import time

from . import kit as K
from .contract import Needs

NAME = "libvirtd-hang"
SUMMARY = "SIGSTOP of g1's host's libvirtd for the monitor timeout + 3 s"
ORDER = 120
NEEDS = Needs(guests=2)
HEALTH = "#health-vmha-libvirt"
EXPECTED = {
    "vmha": f"{HEALTH} red, other guests scored below 0 there, g1 left running, no "
            "fencing; green after SIGCONT",
    "classic": "nothing marks the host; g1 left running, no fencing",
}
MEASURES = ("detected_s", "fenced_s", "guest_pause_s", "same_boot")
EXTRA = {
    "hang_s": "how long libvirtd was stopped (the monitor timeout + 3 s)",
    "new_guests_kept_away_s": "every other guest scored below 0 on the host (vmha)",
    "health_green_after_cont_s": f"{HEALTH} green again, in seconds from SIGCONT (vmha)",
}
HEALTH_TIMEOUT = 20
SCORE_LINE = re.compile(r"(\S+) allocation score on (\S+): (-?INFINITY|\+INFINITY|-?\d+)")
# A record is written every 100 ms: a gap this long means the guest stopped.
MAX_RECORD_GAP_S = 3
MARGIN_S = 3


def health(run, spec):
    """The host's own view of its libvirt health attribute, or None."""
    out = K.pcmk(run, spec, "attrd_updater", "-Q", "-N", spec.name, "-n", HEALTH, check=False)
    for line in out.splitlines():
        if f'host="{spec.name}"' in line and 'value="' in line:
            return line.split('value="', 1)[1].split('"', 1)[0]
    return None


def allocation_scores(run, spec):
    """{(resource, node): score} as the scheduler of the live CIB sees it
    (crm_simulate -L -s), or {} when it cannot say."""
    out = K.pcmk(run, spec, "crm_simulate", "-L", "-s", check=False)
    scores = {}
    for m in SCORE_LINE.finditer(out):
        rsc, node, value = m.groups()
        scores[(rsc, node)] = -10**6 if value == "-INFINITY" else (
            10**6 if value in ("INFINITY", "+INFINITY") else int(value))
    return scores


def new_guest_kept_away(run, others):
    """None when every guest not on the host scores below 0 there (the
    scheduler would place it elsewhere), else what is wrong."""
    scores = allocation_scores(run, run.observer)
    for g in others:
        score = scores.get((g, run.host))
        if score is None:
            return f"crm_simulate gave no allocation score for {g} on {run.host}"
        if score >= 0:
            return f"{g} scores {score} on {run.host} while its libvirt is red"
    return None


def prepare(run):
    K.ready(run)
    run.victim, run.observer, run.first = K.on_guest(run, "g1")
    run.extra["hang_s"] = K.op_timeout_s(run, run.victim, run.guest, "monitor") + MARGIN_S
    run.daemon = int(K.pcmk(run, run.victim, "cat", "/run/libvirt/libvirtd.pid"))
    run.qemu = K.qemu_pid(run, run.victim, run.guest)


def inject(run):
    run.writes = K.Writes(run, [run.guest])
    run.fault()
    K.signal_in_host(run, run.victim, "STOP", run.daemon)
    run.say(f"stopped {run.host}'s libvirtd (pid {run.daemon}) for {run.extra['hang_s']} s")


def _guest_left_alone(run):
    run.writes.poll()
    rec = K.last_record(run, run.guest)
    if rec.boot_id != run.first.boot_id:
        return f"{run.guest} was restarted (boot {rec.boot_id}) while libvirtd hung"
    if run.writes.longest[run.guest] > MAX_RECORD_GAP_S:
        return f"{run.guest} wrote nothing for {MAX_RECORD_GAP_S} s while libvirtd hung"
    started = K.started_on(run, run.observer, run.guest)
    if started is not None and started != [run.host]:
        return f"Pacemaker runs {run.guest} on {started} while libvirtd hung"
    return None


def observe(run):
    run.trouble = None
    if not run.classic:
        others = [g for g in run.guest_names() if g != run.guest]
        why = {}

        def kept_away():
            why["last"] = new_guest_kept_away(run, others)
            return why["last"] is None
        seen = run.poll({"detected": lambda: health(run, run.victim) == "red"}, HEALTH_TIMEOUT,
                        also=run.writes.poll)
        run.timings["detected_s"] = seen.get("detected")
        if run.timings["detected_s"] is not None:
            seen = run.poll({"new_guests_kept_away": kept_away}, HEALTH_TIMEOUT, interval=0.5,
                            also=run.writes.poll)
            run.extra["new_guests_kept_away_s"] = seen.get("new_guests_kept_away")
            run.kept_away_problem = why.get("last")
    left = run.extra["hang_s"] - (time.monotonic() - run.t0)
    run.say(f"checking that {run.guest} keeps running until libvirtd has hung "
            f"{run.extra['hang_s']} s ({left:.0f} s more)")
    run.trouble = K.holds_for(left, lambda: _guest_left_alone(run))
    K.signal_in_host(run, run.victim, "CONT", run.daemon)
    run.cont = time.monotonic()
    run.say(f"continued {run.host}'s libvirtd")
    run.timings["guest_pause_s"] = run.writes.pause_s()
    if not run.classic:
        seen = run.poll({"health_green": lambda: health(run, run.victim) == "green"},
                        HEALTH_TIMEOUT)
        green = seen.get("health_green")
        run.extra["health_green_after_cont_s"] = (
            None if green is None else round(green - (run.cont - run.t0), 2))


def verify(run):
    if run.classic:
        run.finding(f"no {HEALTH} in the classic stack: nothing marked {run.host} while its "
                    "libvirtd hung")
    elif run.timings["detected_s"] is None:
        run.problem(f"{HEALTH} not red on {run.host} within {HEALTH_TIMEOUT} s")
    else:
        if run.extra.get("new_guests_kept_away_s") is None:
            run.problem(run.kept_away_problem)
        if run.extra["health_green_after_cont_s"] is None:
            run.problem(f"{HEALTH} not green on {run.host} within {HEALTH_TIMEOUT} s of "
                        "SIGCONT")
    restarted = K.restarted(run, {run.guest: run.first})
    run.same_boot = not restarted
    for p in [run.trouble] if run.trouble else restarted:
        run.problem(p)
    if K.qemu_pid(run, run.victim, run.guest) != run.qemu:
        run.problem(f"{run.guest}'s QEMU on {run.host} is not the one from before the hang")
    K.no_fencing(run, "a hung libvirtd")
    if run.classic:
        # What Pacemaker made of the hang.
        for op in K.failed_ops(run, run.observer, run.guest):
            run.finding(f"Pacemaker recorded a failed {op}")


def restore(run):
    K.signal_in_host(run, run.victim, "CONT", run.daemon)  # again: observe may have failed
    K.clear_failures(run)
    K.ready(run)
