"""`fence-fallback`: a host's cluster cable is pulled while its BMC does
not answer (ipmi_sim stopped with SIGSTOP). Expected: the first fencing
level (fence_vmha_ipmi) fails within its login timeout, the second
(fence_vmha_disk) writes the poison pill, the host's vmha-eventd reads it
and fences itself, and only after sbd's msgwait does the guest start on a
survivor: once, with no split brain. The BMC logs no power action."""

import os
import signal
import time

from .peers.cluster_host import pids_in_pidns
from .peers.proc import HarnessError

from . import heartbeat, hosts, logtimes, network, observe, pill
from . import guests as G
from . import evidence as E
from . import scenario_kit as K
from .state import is_same_process

RECOVERY_TIMEOUT = 60
REJOIN_TIMEOUT = 90


def _signal_bmc(state, spec, sig):
    rec = state.load()["procs"].get(f"bmc-{spec.name}")
    if not is_same_process(rec):
        raise HarnessError(f"{spec.name}'s BMC is not running")
    os.kill(rec["pid"], sig)


# What may write or act for the host: none of them is left once it is fenced.
ACTORS = ("qemu-system-x86", "corosync", "pacemakerd", "pacemaker-execd", "vmha-eventd",
          "libvirtd")


def _host_actors(state, spec):
    """Names of the host's processes that could still write or act."""
    rec = hosts.record(state, spec)
    found = []
    for pid in pids_in_pidns(rec["pidns"]) if rec else []:
        try:
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith(ACTORS):
            found.append(comm)
    return found


def run(layout, state, guest="g1"):
    victim, watcher, before = K.start_on_guest(state, layout, guest)
    res = K.result(state, "fence-fallback", host=victim.name, guest=guest)
    res["msgwait_s"] = (pill.MSGWAIT_S if res["stack"] == "classic"
                        else heartbeat.PILL_MSGWAIT_S)
    wall0, t0 = time.time(), time.monotonic()
    _signal_bmc(state, victim, signal.SIGSTOP)
    network.set_host_link(layout, victim, "cluster", False)
    m = K.Milestones(t0)
    try:
        def detected():
            view = observe.cluster_view(state, layout, watcher)
            return view is not None and victim.name not in view["online"]

        def elsewhere():
            view = observe.cluster_view(state, layout, watcher) or {}
            nodes = view.get("started", {}).get(guest, [])
            return len(nodes) == 1 and nodes[0] != victim.name

        checks = {"detected": detected,
                  "self_fenced": lambda: not _host_actors(state, victim),
                  "guest_running": elsewhere,
                  "first_write": lambda: any(r.boot_id != before.boot_id
                                             and r.counter > before.counter
                                             for r in G.records(layout, guest))}
        m.poll(checks, RECOVERY_TIMEOUT)
        for k in checks:
            res[f"{k}_s"] = m.seen.get(k)
        slot = E.pill_slot(state, layout, victim, res["stack"])
        view = observe.cluster_view(state, layout, watcher) or {}
        new_host = (view.get("started", {}).get(guest) or [None])[0]
        res.update(logtimes.host_loss(layout, victim, guest, new_host, wall0))
        # The fencer's own word: the pill taken as obeyed, after msgwait.
        res["fenced_s"] = res["fenced_log_s"]
    finally:
        _signal_bmc(state, victim, signal.SIGCONT)
        network.set_host_link(layout, victim, "cluster", True)
    problems = []
    res["pill"] = slot
    if slot not in ("reset", "off"):
        problems.append(f"{victim.name}'s slot holds {slot!r}, not a poison pill")
    if res["self_fenced_s"] is None:
        problems.append(f"{victim.name} did not fence itself (its processes still run)")
    if res["guest_running_s"] is None:
        problems.append(f"{guest} not running on a survivor within {RECOVERY_TIMEOUT} s")
    elif res["self_fenced_s"] is not None and res["guest_running_s"] < res["self_fenced_s"]:
        problems.append(f"{guest} started elsewhere before {victim.name} was down")
    res["fence_events"] = E.fence_events(layout, wall0, [victim.name])
    if res["fence_events"]:
        problems.append(f"the stopped BMC of {victim.name} logged power actions: "
                        f"{res['fence_events']}")
    recs = G.records(layout, guest)
    old_last = max(r.counter for r in recs if r.boot_id == before.boot_id)
    problems += E.verify_records(layout, guest, before.boot_id, old_last)
    # Restore: the self-fenced host is powered on again by its BMC, as a
    # watchdog reset would reboot it; its eventd clears the pill at start.
    power_cycle(state, victim)
    K.wait_formed(state, layout, REJOIN_TIMEOUT)
    res["rejoined_s"] = round(time.monotonic() - t0, 2)
    problems += E.placement_once(state, layout, K.guest_names(state),
                                 K.survivor_view(state, layout, watcher))
    K.clear_failures(state, layout)
    res["problems"] = problems
    return K.save(state, res)


def power_cycle(state, spec):
    if hosts.is_on(state, spec):
        hosts.power_off(state, spec)
    hosts.power_on(state, spec)
