"""`guest-poweroff`: both guests halt themselves at once (a command on
their own disks), one per guest_shutdown policy. g1 (guest_shutdown=restart)
must be started again at once (vmha-eventd reports the shutdown); g2
(guest_shutdown=stop) must get target-role=Stopped and stay stopped past a
monitor interval, until the restore clears target-role and it runs again.
Exactly once, no split brain, and no fencing: no host failed. The core
timings are g1's.

The classic stack has neither the event nor guest_shutdown: VirtualDomain's
monitor finds each halted guest gone and Pacemaker starts it again, g2
included. That is recorded as what happened (stop_marked_s never, g2's
own timings in extra, a finding), with the same exactly-once and
split-brain checks."""

import time

from .. import evidence as E
from .. import guests as G
from .. import hosts
from .. import observe as V
from ..peers import disk
from ..peers.proc import HarnessError
from . import kit as K
from .contract import Needs

NAME = "guest-poweroff"
SUMMARY = "g1 (guest_shutdown=restart) and g2 (stop) halt themselves"
ORDER = 110
NEEDS = Needs(guests=2)
# Longer than the monitor interval: a monitor must not restart g2 either.
STAYS_STOPPED_S = 12
EXPECTED = {
    "vmha": f"g1 restarted at once; g2 gets target-role=Stopped and stays stopped "
            f"({STAYS_STOPPED_S} s checked) until it is cleared; no fencing",
    "classic": "VirtualDomain's monitor finds both gone and Pacemaker starts both again "
               "(g2 too: a finding); no fencing",
}
MEASURES = ("fenced_s", "qemu_started_s", "guest_running_s", "first_write_s")
EXTRA = {
    "restart_guest": "the guest with guest_shutdown=restart, whose the core timings are",
    "stop_guest": "the guest with guest_shutdown=stop",
    "stop_marked_s": "the stop guest stopped with target-role=Stopped (never on classic)",
    "stayed_stopped_s": "how long the stop guest was seen to stay stopped (vmha)",
    "restored_first_write_s": "the stop guest's first write once target-role is cleared, "
                              "in seconds from the clearing (vmha)",
    "stop_guest_running_s": "classic: the stop guest running again",
    "stop_guest_first_write_s": "classic: the stop guest's first write after that",
}
RESTART, STOP = "g1", "g2"


def _target_role(run, spec, guest):
    cp = hosts.run_in(run.state, spec, ["crm_resource", "-r", guest, "--meta", "-g",
                                        "target-role"], timeout=30, check=False)
    return cp.stdout.strip() if cp.returncode == 0 else None


def _clear_target_role(run, guest):
    hosts.run_in(run.state, hosts.first_on(run.state, run.layout),
                 ["crm_resource", "-r", guest, "--meta", "--delete-parameter", "target-role"],
                 timeout=30, check=False)


def prepare(run):
    placed = K.ready(run)
    run.placed = {g: placed[g] for g in (RESTART, STOP)}
    run.old = {g: (h.name, K.qemu_pid(run, h, g)) for g, h in run.placed.items()}
    run.last = {g: K.last_record(run, g) for g in (RESTART, STOP)}
    run.host = "+".join(h.name for h in run.placed.values())
    run.guest = f"{RESTART},{STOP}"
    run.extra.update(restart_guest=RESTART, stop_guest=STOP)


def inject(run):
    run.fault()
    for g in (RESTART, STOP):
        disk.request_poweroff(G.disk_path(run.layout, g))
    run.say(f"asked {RESTART} and {STOP} to power themselves off")


def _stopped(run):
    spec = run.placed[STOP]
    return (_target_role(run, spec, STOP) == "Stopped"
            and not V.guest_placement(run.state, run.layout, [STOP])[STOP])


def _still_stopped(run, halted):
    where = V.guest_placement(run.state, run.layout, [STOP])[STOP]
    started = K.started_on(run, run.placed[STOP], STOP)
    if where or started:
        return f"{STOP} ran again (libvirt {where}, Pacemaker {started}) after it halted"
    if K.last_record(run, STOP) != halted:
        return f"{STOP}'s disk got records after it halted"
    return None


def observe(run):
    spec = run.placed[RESTART]
    checks = {"guest_running": lambda: K.new_instance(run, RESTART, spec, run.old[RESTART]),
              "first_write": lambda: K.new_boot_wrote(run, RESTART, run.last[RESTART])}
    if run.classic:
        checks.update(
            stop_guest_running=lambda: K.new_instance(run, STOP, spec, run.old[STOP]),
            stop_guest_first_write=lambda: K.new_boot_wrote(run, STOP, run.last[STOP]))
    else:
        checks["stop_marked"] = lambda: _stopped(run)
    seen = run.poll(checks, K.RECOVERY_TIMEOUT, interval=0.1)
    run.timings["guest_running_s"] = seen.get("guest_running")
    run.timings["first_write_s"] = seen.get("first_write")
    run.extra["stop_marked_s"] = seen.get("stop_marked")
    for k in ("stop_guest_running", "stop_guest_first_write"):
        if run.classic:
            run.extra[f"{k}_s"] = seen.get(k)
    new = V.guest_placement(run.state, run.layout, [RESTART])[RESTART]
    run.new_host = new[0] if len(new) == 1 else None
    K.qemu_started(run, RESTART, run.new_host)
    if not run.classic and run.extra["stop_marked_s"] is not None:
        run.say(f"checking that {STOP} stays stopped for {STAYS_STOPPED_S} s")
        halted = K.last_record(run, STOP)
        run.trouble = K.holds_for(STAYS_STOPPED_S, lambda: _still_stopped(run, halted))
        if not run.trouble:
            run.extra["stayed_stopped_s"] = STAYS_STOPPED_S


def verify(run):
    for g in (RESTART, STOP) if run.classic else (RESTART,):
        if K.new_boot_wrote(run, g, run.last[g]):
            for p in E.verify_records(run.layout, g, run.last[g].boot_id, run.last[g].counter):
                run.problem(p)
        else:
            run.problem(f"{g} did not write from a new boot within {K.RECOVERY_TIMEOUT} s")
    if run.classic:
        run.finding(f"{STOP} halted itself and was started again after "
                    f"{run.extra['stop_guest_running_s']} s: VirtualDomain has no "
                    "guest_shutdown=stop")
    elif run.extra["stop_marked_s"] is None:
        run.problem(f"{STOP} not stopped with target-role=Stopped within {K.RECOVERY_TIMEOUT} s")
    elif run.trouble:
        run.problem(run.trouble)
    K.no_fencing(run, "a guest that halted itself")


def restore(run):
    if not run.classic:
        _clear_target_role(run, STOP)
        t1 = time.monotonic()
        try:
            run.wait(f"{STOP} to run and write again", lambda: K.new_boot_wrote(
                run, STOP, run.last[STOP]), K.RECOVERY_TIMEOUT)
            run.extra["restored_first_write_s"] = round(time.monotonic() - t1, 2)
            for p in E.verify_records(run.layout, STOP, run.last[STOP].boot_id,
                                      run.last[STOP].counter):
                run.problem(p)
        except HarnessError as e:
            run.problem(str(e))
    # Each halt was a failure (a failed VirtualDomain monitor, or vmha-eventd
    # reporting the guest stopped): forget them, as qemu-crash does, so
    # migration-threshold=1 keeps no guest off a host in later scenarios.
    K.clear_failures(run)
    K.ready(run)
