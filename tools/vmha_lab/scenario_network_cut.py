"""`network-cut`: a guest's host loses its cluster link (its cable pulled
at the lab's cluster bridge; storage and management stay). The majority
(with the quorum device's vote) must fence it through its BMC before the
guest starts elsewhere, and the guest must then run exactly once with no
split-brain writes. Restore: the cable back, the host in the cluster."""

import time

from .peers.proc import wait_until

from . import hosts, logtimes, network, observe
from . import scenario_kit as K
from . import evidence as E


def run(layout, state, guest="g1"):
    victim = K.ready(state, layout)[guest]
    observer = K.other_host(state, layout, victim)
    pid = K.qemu_pid(state, victim, guest)
    last = K.last_record(layout, guest)
    res = K.result(state, "network-cut", host=victim.name, guest=guest)
    problems = []
    wall0 = time.time()
    t0 = time.monotonic()
    network.set_host_link(layout, victim, "cluster", False)
    try:
        seen = {}

        def recovered():
            view = observe.cluster_view(state, layout, observer)
            if view is None:
                return None
            if "detected_s" not in seen and victim.name not in view["online"]:
                seen["detected_s"] = K.elapsed(t0)
            nodes = view["started"].get(guest, [])
            if len(nodes) != 1 or nodes[0] == victim.name:
                return None
            # Fencing first: the BMC has powered the victim off already.
            seen.setdefault("fenced_before_start", bool(E.bmc_events(layout, wall0, [victim.name])))
            return nodes[0]
        new_host = wait_until(recovered, K.RECOVERY_TIMEOUT, interval=0.1,
                              what=f"{guest} started on a survivor")
        res["guest_running_s"] = K.elapsed(t0)
        K.wait_new_boot_writes(layout, guest, last)
        res["first_write_s"] = K.elapsed(t0)
        res["new_host"] = new_host
        res.update(logtimes.host_loss(layout, victim, guest, new_host, wall0))
        res["detected_s"] = seen.get("detected_s")
        events = E.bmc_events(layout, wall0, [victim.name])
        res["fence_events"] = E.as_recorded(events)
        res["fenced_s"] = events[0][1] if events else None
        if res["fenced_s"] is None:
            problems.append(f"{victim.name} was not fenced through its BMC")
        elif not seen["fenced_before_start"] or res["fenced_s"] > res["guest_running_s"]:
            problems.append(f"{guest} started on {new_host} before {victim.name} was fenced")
        problems += E.verify_records(layout, guest, last.boot_id, last.counter)
        placement = observe.guest_placement(state, layout, [guest])[guest]
        if placement != [new_host]:
            problems.append(f"{guest}: libvirt runs it on {placement}, Pacemaker on {new_host}")
        if (victim.name, pid) in [(h, K.qemu_pid(state, layout.host(h), guest))
                                  for h in placement]:
            problems.append(f"{guest}'s old QEMU on {victim.name} survived the fencing")
    finally:
        network.set_host_link(layout, victim, "cluster", True)
    # Fencing rebooted the victim (or left it off): it must come back.
    if not hosts.is_on(state, victim):
        hosts.power_on(state, victim)
    wait_until(lambda: observe.formed(state, layout), K.REJOIN_TIMEOUT, interval=0.5,
               what=f"{victim.name} to rejoin")
    res["rejoined_s"] = K.elapsed(t0)
    K.ready(state, layout)
    res["problems"] = problems
    return K.save(state, res)
