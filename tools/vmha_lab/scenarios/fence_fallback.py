"""`fence-fallback`: a host's cluster cable is pulled while its BMC does
not answer (ipmi_sim stopped with SIGSTOP). Expected: the first fencing
level (fence_vmha_ipmi) fails within its login timeout, the second
(fence_vmha_disk) writes the poison pill, the host's vmha-eventd reads it
and fences itself, and only after sbd's msgwait does the guest start on a
survivor: once, with no split brain. The BMC logs no power action, even
once it answers again. fenced_s is the fencer's own word (its log): the
pill taken as obeyed, after msgwait."""

import os
import signal

from .. import evidence as E
from .. import guests as G
from .. import heartbeat, hosts, network, pill
from ..peers.proc import HarnessError
from ..state import is_same_process
from . import kit as K
from .contract import Needs

NAME = "fence-fallback"
SUMMARY = "g1's host's cluster cable pulled while its BMC is stopped (SIGSTOP)"
ORDER = 310
NEEDS = Needs(guests=1)
EXPECTED = {
    "vmha": "level 1 (fence_vmha_ipmi) fails, level 2 (fence_vmha_disk) writes the pill, the "
            "host's vmha-eventd kills everything on it; g1 starts elsewhere only after msgwait",
    "classic": "level 1 (fence_ipmilan) fails, level 2 (fence_sbd) writes the pill, the host's "
               "sbd kills it; g1 starts elsewhere only after msgwait",
}
MEASURES = ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
            "guest_running_s", "first_write_s")
EXTRA = {
    "msgwait_s": "the pill disk's msgwait: g1 may start elsewhere only this long after the "
                 "host is gone",
    "self_fenced_s": "no process left on the host that could write or act",
    "pill": "the message in the host's slot of the pill disk, as `sbd list` reads it",
    "rejoined_s": "the host back in the cluster (powered on again, as a watchdog reset would)",
}
# What may write or act for the host: none of them is left once it is fenced.
ACTORS = ("qemu-system-x86", "corosync", "pacemakerd", "pacemaker-execd", "vmha-eventd",
          "libvirtd")


def _signal_bmc(run, sig):
    rec = run.state.load()["procs"].get(f"bmc-{run.host}")
    if not is_same_process(rec):
        raise HarnessError(f"{run.host}'s BMC is not running")
    os.kill(rec["pid"], sig)


def _host_actors(run):
    """Names of the host's processes that could still write or act."""
    return [comm for comm in K.host_programs(run, run.victim) if comm.startswith(ACTORS)]


def prepare(run):
    K.start_clean(run)
    run.victim, run.watcher, run.before = K.on_guest(run, "g1")
    run.extra["msgwait_s"] = pill.MSGWAIT_S if run.classic else heartbeat.PILL_MSGWAIT_S


def inject(run):
    run.fault()
    _signal_bmc(run, signal.SIGSTOP)
    network.set_host_link(run.layout, run.victim, "cluster", False)
    run.say(f"stopped {run.host}'s BMC and pulled its cluster cable")


def observe(run):
    g = run.guest
    seen = run.poll({"detected": lambda: K.seen_lost(run, run.watcher, run.victim),
                     "self_fenced": lambda: not _host_actors(run),
                     "guest_running": lambda: K.running_elsewhere(run, run.watcher, g, run.victim),
                     "first_write": lambda: K.new_boot_wrote(run, g, run.before)},
                    K.RECOVERY_TIMEOUT)
    for k in ("detected", "guest_running", "first_write"):
        run.timings[f"{k}_s"] = seen.get(k)
    run.extra["self_fenced_s"] = seen.get("self_fenced")
    run.extra["pill"] = E.pill_slot(run.state, run.layout, run.victim, run.stack)
    run.new_host = K.running_elsewhere(run, run.watcher, g, run.victim)
    K.host_loss_logs(run, [run.victim], g, run.new_host)
    run.timings["fenced_s"] = run.timings["fenced_log_s"]
    # The BMC answers again before the checks: power requests it queued
    # while stopped would show as events now.
    _end_fault(run)


def _end_fault(run):
    _signal_bmc(run, signal.SIGCONT)
    network.set_host_link(run.layout, run.victim, "cluster", True)


def verify(run):
    running, self_fenced = run.timings["guest_running_s"], run.extra["self_fenced_s"]
    if run.extra["pill"] not in ("reset", "off"):
        run.problem(f"{run.host}'s slot holds {run.extra['pill']!r}, not a poison pill")
    if self_fenced is None:
        run.problem(f"{run.host} did not fence itself (its processes still run)")
    if running is None:
        run.problem(f"{run.guest} not running on a survivor within {K.RECOVERY_TIMEOUT} s")
    elif self_fenced is not None and running < self_fenced:
        run.problem(f"{run.guest} started elsewhere before {run.host} was down")
    run.fence_events = E.fence_events(run.layout, run.wall0, [run.host])
    if run.fence_events:
        run.problem(f"the stopped BMC of {run.host} logged power actions: {run.fence_events}")
    old_last = max(r.counter for r in G.records(run.layout, run.guest)
                   if r.boot_id == run.before.boot_id)
    for p in E.verify_records(run.layout, run.guest, run.before.boot_id, old_last):
        run.problem(p)


def restore(run):
    _end_fault(run)
    # The self-fenced host is powered on again by its BMC, as a watchdog
    # reset would reboot it; its eventd clears the pill at start.
    if hosts.is_on(run.state, run.victim):
        hosts.power_off(run.state, run.victim)
    hosts.power_on(run.state, run.victim)
    K.wait_formed(run)
    run.extra["rejoined_s"] = run.since_fault()
    K.placement_once(run, run.watcher)
    K.clear_failures(run)
