"""`qemu-crash`: kill -9 of a guest's QEMU inside its host. vmha-eventd
reports the death to the controller at once, so the guest must run again
(same host or another) well before the next monitor would have noticed,
exactly once, with no fencing: the host itself is healthy.

The classic stack has no event daemon: VirtualDomain's next monitor finds
the guest gone. Its time is recorded as a finding, not a problem."""

import time

from . import scenario_kit as K
from . import evidence as E

MONITOR_INTERVAL_S = 10


def run(layout, state, guest="g1"):
    host = K.ready(state, layout)[guest]
    pid = K.qemu_pid(state, host, guest)
    last = K.last_record(layout, guest)
    wall0 = time.time()
    res = K.result(state, "qemu-crash", host=host.name, guest=guest)
    t0 = time.monotonic()
    K.signal_in_host(state, host, "KILL", pid)
    new_host, _ = K.wait_new_instance(state, layout, guest, host, (host.name, pid))
    res["guest_running_s"] = K.elapsed(t0)
    K.wait_new_boot_writes(layout, guest, last)
    res["first_write_s"] = K.elapsed(t0)
    res["new_host"] = new_host
    problems = E.verify_records(layout, guest, last.boot_id, last.counter)
    if res["stack"] == "classic":
        res["findings"].append(f"{guest} ran again after {res['guest_running_s']} s: with no "
                               f"event daemon, the crash is found by VirtualDomain's "
                               f"monitor (every {MONITOR_INTERVAL_S} s)")
    elif res["guest_running_s"] >= MONITOR_INTERVAL_S:
        problems.append(f"{guest} ran again after {res['guest_running_s']} s, not before the "
                        f"{MONITOR_INTERVAL_S} s monitor")
    problems += E.no_fencing(res, layout, wall0, "a crash of one QEMU")
    # Restore: forget the failure so later scenarios start from a clean count.
    K.pcmk(state, layout.host(new_host), "crm_resource", "--cleanup", "-r", guest)
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)
