"""`guest-poweroff`: a guest halts itself (a command on its own disk),
once per guest_shutdown policy, both in this one scenario. g1
(guest_shutdown=restart) must be started again at once (vmha-eventd
reports the shutdown); g2 (guest_shutdown=stop) must get
target-role=Stopped and stay stopped past a monitor interval, until the
scenario clears target-role and it runs again. Exactly once, no split
brain, and no fencing: no host failed.

The classic stack has neither the event nor guest_shutdown: VirtualDomain's
monitor finds each halted guest gone and Pacemaker starts it again, g2
included. That is recorded as what happened (stop_marked_s and
stayed_stopped_s None, a finding), with the same exactly-once and
split-brain checks."""

import time

from .peers import disk
from .peers.proc import HarnessError, wait_until

from . import guests as G
from . import observe
from . import scenario_kit as K
from . import evidence as E

# Longer than the monitor interval: a monitor must not restart it either.
STAYS_STOPPED_S = 12


def _halt_and_restart(layout, state, guest, problems):
    """The guest halts itself and must run again; returns (its new host,
    seconds to running, seconds to its first new write)."""
    host = K.ready(state, layout)[guest]
    pid = K.qemu_pid(state, host, guest)
    last = K.last_record(layout, guest)
    t0 = time.monotonic()
    disk.request_poweroff(G.disk_path(layout, guest))
    new_host, _ = K.wait_new_instance(state, layout, guest, host, (host.name, pid))
    running_s = K.elapsed(t0)
    K.wait_new_boot_writes(layout, guest, last)
    first_write_s = K.elapsed(t0)
    problems += E.verify_records(layout, guest, last.boot_id, last.counter)
    return new_host, running_s, first_write_s


def _restart(layout, state, guest, res, problems):
    _, res["guest_running_s"], res["first_write_s"] = _halt_and_restart(layout, state, guest,
                                                                        problems)


def _target_role(state, spec, guest):
    cp = K.hosts.run_in(state, spec, ["crm_resource", "-r", guest, "--meta", "-g",
                                      "target-role"], timeout=30, check=False)
    return cp.stdout.strip() if cp.returncode == 0 else None


def _stop(layout, state, guest, res, problems):
    host = K.ready(state, layout)[guest]
    last = K.last_record(layout, guest)
    t0 = time.monotonic()
    disk.request_poweroff(G.disk_path(layout, guest))
    wait_until(lambda: _target_role(state, host, guest) == "Stopped"
               and not observe.guest_placement(state, layout, [guest])[guest],
               K.RECOVERY_TIMEOUT, interval=0.1, what=f"{guest} stopped, target-role=Stopped")
    res["stop_marked_s"] = K.elapsed(t0)
    halted = K.last_record(layout, guest)

    def still_stopped():
        where = observe.guest_placement(state, layout, [guest])[guest]
        started = K.started_on(state, layout, host, guest)
        if where or started:
            return f"{guest} ran again (libvirt {where}, Pacemaker {started}) after it halted"
        if K.last_record(layout, guest) != halted:
            return f"{guest}'s disk got records after it halted"
        return None
    trouble = K.holds_for(STAYS_STOPPED_S, still_stopped)
    if trouble:
        problems.append(trouble)
    else:
        res["stayed_stopped_s"] = STAYS_STOPPED_S
    t1 = time.monotonic()
    _clear_target_role(state, host, guest)
    K.wait_new_boot_writes(layout, guest, last)
    res["restored_first_write_s"] = K.elapsed(t1)
    problems += E.verify_records(layout, guest, last.boot_id, last.counter)


def _stop_classic(layout, state, guest, res, problems):
    new_host, res["stop_guest_running_s"], res["stop_guest_first_write_s"] = \
        _halt_and_restart(layout, state, guest, problems)
    res.update(stop_marked_s=None, stayed_stopped_s=None, restored_first_write_s=None)
    res["findings"].append(f"{guest} halted itself and was started again on {new_host} after "
                           f"{res['stop_guest_running_s']} s: VirtualDomain has no "
                           f"guest_shutdown=stop, a guest's own poweroff is undone")


def _clear_target_role(state, spec, guest):
    K.hosts.run_in(state, spec, ["crm_resource", "-r", guest, "--meta", "--delete-parameter",
                                 "target-role"], timeout=30, check=False)


def run(layout, state):
    res = K.result(state, "guest-poweroff", restart_guest="g1", stop_guest="g2")
    problems = []
    wall0 = time.time()
    try:
        _restart(layout, state, "g1", res, problems)
        if res["stack"] == "classic":
            _stop_classic(layout, state, "g2", res, problems)
        else:
            _stop(layout, state, "g2", res, problems)
    except HarnessError as e:
        problems.append(str(e))
        _clear_target_role(state, K.hosts.first_on(state, layout), "g2")
    problems += E.no_fencing(res, layout, wall0, "a guest that halted itself")
    # Each halt was a failure (a failed VirtualDomain monitor, or vmha-eventd
    # reporting the guest stopped): forget them, as qemu-crash does, so
    # migration-threshold=1 keeps no guest off a host in later scenarios.
    K.pcmk(state, K.hosts.first_on(state, layout), "crm_resource", "--cleanup")
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)
