"""What a scenario's parts receive: Needs (what it asks of the lab) and Run
(one run of it: the lab, the clock from the fault, what it records, and
progress lines that say what it waits for)."""

import dataclasses
import sys
import time

from .. import results
from ..peers.proc import wait_until

# A scenario's parts, in the order they run (see __init__.py).
PARTS = ("prepare", "inject", "observe", "verify", "restore")


@dataclasses.dataclass(frozen=True)
class Needs:
    """What a scenario needs from the lab: at least `hosts` hosts and
    `guests` guests, and a quorum device when `qdevice`."""
    hosts: int = 3
    guests: int = 1
    qdevice: bool = False

    def unmet(self, data):
        """Why a lab (its state's data) does not do, or None."""
        if data.get("hosts", 0) < self.hosts:
            return f"needs {self.hosts} hosts, the lab has {data.get('hosts')} (up --hosts)"
        if len(data.get("guests", [])) < self.guests:
            return f"needs {self.guests} guests, the lab has {len(data.get('guests', []))}"
        if self.qdevice and not data.get("qdevice"):
            return "needs the quorum device (the lab was made with --no-qdevice)"
        return None


class Run:
    """One run of one scenario. The parts set what the result's core fields
    say (host, guest, new_host, `timings` for the core timings and
    guest_pause_s, same_boot, fence_events) and `extra`; problem() and
    finding() collect the verdict.
    Scenario-specific working values live as further attributes (run.victim)."""

    def __init__(self, scenario, layout, state, out=sys.stdout):
        self.scenario = scenario
        self.layout = layout
        self.state = state
        self.stack = state.load().get("stack", "vmha")  # labs before stacks were vmha
        self.classic = self.stack == "classic"
        self.out = out
        self.started = time.monotonic()
        self.t0 = self.wall0 = None
        self.host = self.guest = self.new_host = None
        self.timings = dict.fromkeys(results.CORE_TIMINGS + ("guest_pause_s",))
        self.same_boot = None
        self.fence_events = []
        self.extra = {}
        self.problems = []
        self.findings = []
        self.seen = {}  # milestones poll() saw: {name: seconds since the fault}

    def say(self, msg):
        """A progress line: seconds since the scenario started, then msg."""
        print(f"  {time.monotonic() - self.started:6.1f} s  {msg}", file=self.out, flush=True)

    def fault(self):
        """The fault happens now: every timing counts from here."""
        self.wall0, self.t0 = time.time(), time.monotonic()

    def since_fault(self):
        return round(time.monotonic() - self.t0, 2)

    def mark(self, key):
        """Records now as the core timing `key`; returns the seconds."""
        self.timings[key] = self.since_fault()
        return self.timings[key]

    def problem(self, msg):
        self.problems.append(msg)

    def finding(self, msg):
        self.findings.append(msg)

    def guest_names(self):
        return self.state.load().get("guests", [])

    def wait(self, what, predicate, timeout, interval=0.1):
        """wait_until, saying first what it waits for and for how long."""
        self.say(f"waiting for {what} (up to {timeout:g} s)")
        return wait_until(predicate, timeout, interval=interval, what=what)

    def poll(self, checks, timeout, interval=0.2, until=None, also=None):
        """Polls several milestones in one loop: checks is {name:
        callable() -> truthy}. Returns {name: seconds since the fault} of
        those that held, once every check (or those `until` names) has held
        or at the timeout, without raising: a missing milestone is a result.
        Milestones seen in earlier polls of this run are kept. `also` is
        called at every round (kit.Writes.poll)."""
        seen = self.seen
        need = set(until or checks) - set(seen)
        self.say(f"waiting for {', '.join(n.replace('_', ' ') for n in checks if n not in seen)} "
                 f"(up to {timeout:g} s)")
        deadline = time.monotonic() + timeout
        while True:
            if also:
                also()
            for name, check in checks.items():
                if name not in seen and check():
                    seen[name] = self.since_fault()
            if need <= set(seen) or time.monotonic() >= deadline:
                return seen
            time.sleep(interval)
