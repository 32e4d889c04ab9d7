"""`qemu-crash`: kill -9 of a guest's QEMU inside its host. vmha-eventd
reports the death to the controller at once, so the guest must run again
(same host or another) well before the next monitor would have noticed,
exactly once, with no fencing: the host itself is healthy.

The classic stack has no event daemon: VirtualDomain's next monitor finds
the guest gone. Its time is recorded as a finding, not a problem."""

from .. import evidence as E
from . import kit as K
from .contract import Needs

NAME = "qemu-crash"
SUMMARY = "kill -9 of g1's QEMU inside its host"
ORDER = 100
NEEDS = Needs(guests=1)
MONITOR_INTERVAL_S = 10
EXPECTED = {
    "vmha": f"g1 runs again, once, before its {MONITOR_INTERVAL_S} s monitor would notice; "
            "no fencing",
    "classic": f"g1 runs again, once, when VirtualDomain's monitor (every "
               f"{MONITOR_INTERVAL_S} s) notices; no fencing",
}
MEASURES = ("fenced_s", "qemu_started_s", "guest_running_s", "first_write_s")
EXTRA = {}


def prepare(run):
    K.ready(run)
    run.victim, _, run.last = K.on_guest(run, "g1")
    run.pid = K.qemu_pid(run, run.victim, run.guest)


def inject(run):
    run.fault()
    K.signal_in_host(run, run.victim, "KILL", run.pid)
    run.say(f"killed {run.guest}'s QEMU (pid {run.pid} in {run.host})")


def observe(run):
    run.new_host, _ = K.wait_new_instance(run, run.guest, run.victim, (run.host, run.pid))
    run.mark("guest_running_s")
    run.wait(f"{run.guest}'s new boot to write", lambda: K.new_boot_wrote(run, run.guest, run.last),
             K.RECOVERY_TIMEOUT)
    run.mark("first_write_s")
    K.qemu_started(run, run.guest, run.new_host)


def verify(run):
    for p in E.verify_records(run.layout, run.guest, run.last.boot_id, run.last.counter):
        run.problem(p)
    running = run.timings["guest_running_s"]
    if run.classic:
        run.finding(f"{run.guest} ran again after {running} s: with no event daemon, the crash "
                    f"is found by VirtualDomain's monitor (every {MONITOR_INTERVAL_S} s)")
    elif running >= MONITOR_INTERVAL_S:
        run.problem(f"{run.guest} ran again after {running} s, not before the "
                    f"{MONITOR_INTERVAL_S} s monitor")
    K.no_fencing(run, "a crash of one QEMU")


def restore(run):
    # Forget the failure so later scenarios start from a clean count.
    K.clear_failures(run)
    K.ready(run)
