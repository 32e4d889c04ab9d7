"""`libvirtd-hang`: SIGSTOP of a host's libvirtd for longer than the
guest's monitor timeout. The host's #health-vmha-libvirt must turn red,
the guest must be left running (its records keep coming, no restart, no
fencing: the daemon is hung, not the guest), and after SIGCONT the
health must be green again. While red, the scheduler must score every
other guest below 0 on that host (no new guest goes there).

The classic stack has no health attribute: its health milestones are None
and a finding says so; the guest must be left alone all the same."""

import re
import time

from .peers.proc import HarnessError, wait_until

from . import evidence as E
from . import scenario_kit as K

HEALTH = "#health-vmha-libvirt"
HEALTH_TIMEOUT = 20
SCORE_LINE = re.compile(r"(\S+) allocation score on (\S+): (-?INFINITY|\+INFINITY|-?\d+)")
# A record is written every 100 ms: a gap this long means the guest stopped.
MAX_RECORD_GAP_S = 3
MARGIN_S = 3


def health(state, spec):
    """The host's own view of its libvirt health attribute, or None."""
    out = K.pcmk(state, spec, "attrd_updater", "-Q", "-N", spec.name, "-n", HEALTH, check=False)
    for line in out.splitlines():
        if f'host="{spec.name}"' in line and 'value="' in line:
            return line.split('value="', 1)[1].split('"', 1)[0]
    return None


def allocation_scores(state, spec):
    """{(resource, node): score} as the scheduler of the live CIB sees it
    (crm_simulate -L -s), or {} when it cannot say."""
    out = K.pcmk(state, spec, "crm_simulate", "-L", "-s", check=False)
    scores = {}
    for m in SCORE_LINE.finditer(out):
        rsc, node, value = m.groups()
        scores[(rsc, node)] = -10**6 if value == "-INFINITY" else (
            10**6 if value in ("INFINITY", "+INFINITY") else int(value))
    return scores


def new_guest_kept_away(state, observer, host, others):
    """None when every guest not on `host` scores below 0 there (the
    scheduler would place it elsewhere), else what is wrong."""
    scores = allocation_scores(state, observer)
    for g in others:
        score = scores.get((g, host.name))
        if score is None:
            return f"crm_simulate gave no allocation score for {g} on {host.name}"
        if score >= 0:
            return f"{g} scores {score} on {host.name} while its libvirt is red"
    return None


def run(layout, state, guest="g1"):
    host = K.ready(state, layout)[guest]
    observer = K.other_host(state, layout, host)
    hang_s = K.op_timeout_s(state, host, guest, "monitor") + MARGIN_S
    daemon = int(K.pcmk(state, host, "cat", "/run/libvirt/libvirtd.pid"))
    qemu = K.qemu_pid(state, host, guest)
    first = K.last_record(layout, guest)
    wall0 = time.time()
    res = K.result(state, "libvirtd-hang", host=host.name, guest=guest, hang_s=hang_s)
    classic = res["stack"] == "classic"
    problems = []
    t0 = time.monotonic()
    K.signal_in_host(state, host, "STOP", daemon)
    try:
        if classic:
            res["health_red_s"] = None
            res["findings"].append(f"no {HEALTH} in the classic stack: nothing marked "
                                   f"{host.name} while its libvirtd hung")
        else:
            wait_until(lambda: health(state, host) == "red", HEALTH_TIMEOUT, interval=0.2,
                       what=f"{HEALTH}=red on {host.name}")
            res["health_red_s"] = K.elapsed(t0)
            others = [g for g in K.guest_names(state) if g != guest]
            why = {}

            def kept_away():
                why["last"] = new_guest_kept_away(state, observer, host, others)
                return why["last"] is None
            try:
                wait_until(kept_away, HEALTH_TIMEOUT, interval=0.5,
                           what=f"other guests to score below 0 on {host.name}")
                res["new_guests_kept_away_s"] = K.elapsed(t0)
            except HarnessError:
                problems.append(why["last"])
        seen = {"rec": K.last_record(layout, guest), "at": time.monotonic()}

        def guest_left_alone():
            rec = K.last_record(layout, guest)
            if rec.boot_id != first.boot_id:
                return f"{guest} was restarted (boot {rec.boot_id}) while libvirtd hung"
            if rec.counter > seen["rec"].counter:
                seen.update(rec=rec, at=time.monotonic())
            elif time.monotonic() - seen["at"] > MAX_RECORD_GAP_S:
                return f"{guest} wrote nothing for {MAX_RECORD_GAP_S} s while libvirtd hung"
            started = K.started_on(state, layout, observer, guest)
            if started is not None and started != [host.name]:
                return f"Pacemaker runs {guest} on {started} while libvirtd hung"
            return None
        trouble = K.holds_for(hang_s - (time.monotonic() - t0), guest_left_alone)
        if trouble:
            problems.append(trouble)
    finally:
        K.signal_in_host(state, host, "CONT", daemon)
    t1 = time.monotonic()
    try:
        if classic:
            res["health_green_after_cont_s"] = None
        else:
            wait_until(lambda: health(state, host) == "green", HEALTH_TIMEOUT, interval=0.2,
                       what=f"{HEALTH}=green on {host.name} after SIGCONT")
            res["health_green_after_cont_s"] = K.elapsed(t1)
    except HarnessError as e:
        problems.append(str(e))
    res["hung_s"] = round(t1 - t0, 2)
    if K.qemu_pid(state, host, guest) != qemu:
        problems.append(f"{guest}'s QEMU on {host.name} is not the one from before the hang")
    problems += E.no_fencing(res, layout, wall0, "a hung libvirtd")
    if classic:
        # What Pacemaker made of the hang, then a clean count for later scenarios.
        for op in K.failed_ops(state, observer, guest):
            res["findings"].append(f"Pacemaker recorded a failed {op}")
        K.pcmk(state, observer, "crm_resource", "--cleanup", "-r", guest)
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)
