"""`vmha-lab run SCENARIO`: inject a failure, observe the recovery from
outside vmha (crm_mon on a survivor, libvirt in every host, the guest's
own disk records, the BMC's power events), verify, restore."""

import time

from .peers.proc import HarnessError, wait_until

from . import evidence as E
from . import guests as G
from . import hosts, logtimes, observe
from . import scenario_kit as K
from . import scenario_qemu_crash
from . import scenario_guest_poweroff
from . import scenario_libvirtd_hang
from . import scenario_network_cut
from . import scenario_storage_cut
from . import scenario_storage_outage
from . import scenario_double_failure
from . import scenario_fence_fallback

RECOVERY_TIMEOUT = 60
REJOIN_TIMEOUT = 90


def power_cut(layout, state, guest="g1"):
    """Kills the PID 1 of the host running `guest` (a pulled plug) and times
    detection-to-recovery on the survivors."""
    # Like the other scenarios: an earlier one's cleanup may still be moving
    # guests, and its failures must not keep the guest off the survivor.
    K.start_clean(state, layout)
    survivor = None
    where = observe.guest_placement(state, layout, [guest])[guest]
    if len(where) != 1:
        raise HarnessError(f"{guest} runs on {where}, not exactly one host: the lab is not ready")
    victim = layout.host(where[0])
    survivor = next(h for h in layout.hosts if h is not victim and hosts.is_on(state, h))
    recs = G.records(layout, guest)
    old_boot, old_last = recs[-1].boot_id, recs[-1].counter
    wall0 = time.time()
    t0 = time.monotonic()
    hosts.power_off(state, victim)
    res = K.result(state, "power-cut", host=victim.name, guest=guest)

    def running_elsewhere():
        view = observe.cluster_view(state, layout, survivor)
        nodes = (view or {}).get("started", {}).get(guest, [])
        return nodes if len(nodes) == 1 and nodes[0] != victim.name else None

    new_host = wait_until(running_elsewhere, RECOVERY_TIMEOUT, interval=0.1,
                          what=f"{guest} started on a survivor")[0]
    res["guest_running_s"] = round(time.monotonic() - t0, 2)

    def new_write():
        return any(r.boot_id != old_boot and r.counter > old_last
                   for r in G.records(layout, guest))

    wait_until(new_write, RECOVERY_TIMEOUT, interval=0.1, what=f"{guest}'s new boot to write")
    res["first_write_s"] = round(time.monotonic() - t0, 2)
    res["new_host"] = new_host
    res.update(logtimes.host_loss(layout, victim, guest, new_host, wall0))
    events = E.bmc_events(layout, wall0, [victim.name])
    res["fence_events"] = E.as_recorded(events)
    # A reboot of a host already off is only "on" at its BMC: the first
    # power action after the cut is the fencing.
    res["fenced_s"] = events[0][1] if events else None
    problems = E.verify_records(layout, guest, old_boot, old_last)
    placement = observe.guest_placement(state, layout, [guest])[guest]
    if placement != [new_host]:
        problems.append(f"{guest}: libvirt runs it on {placement}, Pacemaker on {new_host}")
    if res["fenced_s"] is None:
        problems.append(f"{victim.name} was not fenced through its BMC")
    # Restore: fencing reboots the host; wait until it is back in the cluster.
    if not hosts.is_on(state, victim):
        hosts.power_on(state, victim)
    wait_until(lambda: observe.formed(state, layout), REJOIN_TIMEOUT, interval=0.5,
               what=f"{victim.name} to rejoin")
    res["rejoined_s"] = round(time.monotonic() - t0, 2)
    # The next scenario (and the classic lab's checks) start from a whole lab.
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)


SCENARIOS = {
    "power-cut": power_cut,
    "qemu-crash": scenario_qemu_crash.run,
    "guest-poweroff": scenario_guest_poweroff.run,
    "libvirtd-hang": scenario_libvirtd_hang.run,
    "network-cut": scenario_network_cut.run,
    "storage-cut": scenario_storage_cut.run,
    "storage-outage": scenario_storage_outage.run,
    "double-failure": scenario_double_failure.run,
    "fence-fallback": scenario_fence_fallback.run,
}
