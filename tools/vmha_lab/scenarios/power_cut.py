"""`power-cut`: the PID 1 of a guest's host is killed (a pulled plug).
The survivors must see the host lost, fence it through its BMC (a reboot
of a host already off: the first power action after the cut is the
fencing), and only then start the guest on a survivor, once, with no
split-brain writes on its disk. Restore: the host back in the cluster."""

from .. import hosts
from . import kit as K
from .contract import Needs

NAME = "power-cut"
SUMMARY = "PID 1 of g1's host killed"
ORDER = 410
NEEDS = Needs(guests=1)
EXPECTED = {
    "vmha": "the host is fenced through its BMC, then g1 runs on a survivor, once",
    "classic": "the host is fenced through its BMC, then g1 runs on a survivor, once",
}
MEASURES = ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
            "guest_running_s", "first_write_s")
EXTRA = {"rejoined_s": "the host back in the cluster (powered on if fencing left it off)"}


def prepare(run):
    # Like the other scenarios: an earlier one's cleanup may still be moving
    # guests, and its failures must not keep the guest off the survivor.
    K.start_clean(run)
    run.victim, run.survivor, run.last = K.on_guest(run, "g1")


def inject(run):
    run.fault()
    hosts.power_off(run.state, run.victim)
    run.say(f"killed {run.host}'s PID 1")


def observe(run):
    K.observe_host_loss(run, run.survivor)


def verify(run):
    K.verify_host_loss(run)


def restore(run):
    # Fencing reboots the host (or leaves it off): it must come back, and
    # the next scenario (and the classic lab's checks) start from a whole lab.
    K.wait_formed(run)
    run.extra["rejoined_s"] = run.since_fault()
    K.ready(run)
