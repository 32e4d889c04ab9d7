"""`network-cut`: a guest's host loses its cluster link (its cable pulled
at the lab's cluster bridge; storage and management stay). The majority
(with the quorum device's vote) must fence it through its BMC before the
guest starts elsewhere, and the guest must then run exactly once with no
split-brain writes. Restore: the cable back, the host in the cluster."""

from .. import network
from .. import observe as V
from . import kit as K
from .contract import Needs

NAME = "network-cut"
SUMMARY = "g1's host's cluster cable pulled"
ORDER = 300
NEEDS = Needs(guests=1)
EXPECTED = {
    "vmha": "the host is fenced through its BMC, then g1 runs on a survivor, once",
    "classic": "the host is fenced through its BMC, then g1 runs on a survivor, once",
}
MEASURES = ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
            "guest_running_s", "first_write_s")
EXTRA = {"rejoined_s": "the host back in the cluster after the cable is back"}


def prepare(run):
    K.ready(run)
    run.victim, run.observer, run.last = K.on_guest(run, "g1")
    run.pid = K.qemu_pid(run, run.victim, run.guest)


def inject(run):
    run.fault()
    network.set_host_link(run.layout, run.victim, "cluster", False)
    run.say(f"pulled {run.host}'s cluster cable")


def observe(run):
    K.observe_host_loss(run, run.observer)


def verify(run):
    if not K.verify_host_loss(run):
        return
    placement = V.guest_placement(run.state, run.layout, [run.guest])[run.guest]
    if (run.host, run.pid) in [(h, K.qemu_pid(run, run.layout.host(h), run.guest))
                               for h in placement]:
        run.problem(f"{run.guest}'s old QEMU on {run.host} survived the fencing")


def restore(run):
    network.set_host_link(run.layout, run.victim, "cluster", True)
    # Fencing rebooted the victim (or left it off): it must come back.
    K.wait_formed(run)
    run.extra["rejoined_s"] = run.since_fault()
    K.ready(run)
