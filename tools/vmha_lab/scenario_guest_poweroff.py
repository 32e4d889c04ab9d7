"""`guest-poweroff`: the guest halts itself (a command on its own disk)
with the lab's guest_shutdown=restart: the cluster starts it again at once
(vmha-eventd reports the shutdown), exactly once, and nothing is fenced.
The guest_shutdown=stop half is not here yet (see the commit log)."""

import time

from vmha_harness import disk

from . import guests as G
from . import scenario_kit as K
from . import scenarios as S


def run(layout, state, guest="g1"):
    host = K.ready(state, layout)[guest]
    pid = K.qemu_pid(state, host, guest)
    last = K.last_record(layout, guest)
    bmc0 = K.bmc_event_counts(layout)
    res = {"scenario": "guest-poweroff", "guest_shutdown": "restart", "host": host.name,
           "guest": guest}
    t0 = time.monotonic()
    disk.request_poweroff(G.disk_path(layout, guest))
    res["new_host"], _ = K.wait_new_instance(state, layout, guest, host, (host.name, pid))
    res["guest_running_s"] = K.elapsed(t0)
    K.wait_new_boot_writes(layout, guest, last)
    res["first_write_s"] = K.elapsed(t0)
    problems = S.verify_records(layout, guest, last.boot_id, last.counter)
    if K.bmc_event_counts(layout) != bmc0:
        problems.append("a BMC power action (fencing) for a guest that halted itself")
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)
