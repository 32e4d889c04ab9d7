"""What the lab looks like now, from evidence outside vmha: Pacemaker's
view (crm_mon from a host), libvirt's view in every host, and the guests'
own disk records."""

import collections
import time

from . import guests as G
from . import hosts
from .peers.proc import HarnessError, wait_until


def cluster_view(state, layout, spec):
    """From one host: {"dc", "quorate", "online": set, "started": {rid: [nodes]}}
    or None while its Pacemaker does not answer."""
    mon = hosts.crm_mon(state, spec)
    if mon is None:
        return None
    dc = mon.find("summary/current_dc")
    started = collections.defaultdict(list)
    for r in mon.iter("resource"):
        if r.get("role") == "Started" and r.get("active") == "true":
            started[r.get("id")] += [n.get("name") for n in r.findall("node")]
    return {
        "dc": dc.get("name") if dc is not None and dc.get("present") == "true" else None,
        "quorate": dc is not None and dc.get("with_quorum") == "true",
        "online": {n.get("name") for n in mon.findall("nodes/node") if n.get("online") == "true"},
        "started": dict(started),
    }


def running_domains(state, spec):
    """Names of the domains libvirt runs in the host, or None if it is off
    or its libvirtd does not answer."""
    try:
        cp = hosts.run_in(state, spec, ["virsh", "-c", "qemu:///system", "list", "--name"],
                          timeout=20, check=False)
    except HarnessError:
        return None
    return cp.stdout.split() if cp.returncode == 0 else None


def formed(state, layout, names=None):
    """True when every host in names (default: all) is on and sees all of
    them online, a DC and quorum."""
    names = set(names or (h.name for h in layout.hosts))
    for h in layout.hosts:
        if h.name in names:
            view = cluster_view(state, layout, h) if hosts.is_on(state, h) else None
            if not view or not view["dc"] or not view["quorate"] or not names <= view["online"]:
                return False
    return True


def guest_placement(state, layout, guest_names):
    """{guest: hosts whose libvirt runs it}."""
    found = {g: [] for g in guest_names}
    for h in layout.hosts:
        for d in running_domains(state, h) or []:
            if d in found:
                found[d].append(h.name)
    return found


def wait_writing(layout, name, timeout):
    """Waits until the guest's disk gets a new record; returns the latest."""
    def latest():
        recs = G.records(layout, name)
        return recs[-1] if recs else None
    before = latest()
    return wait_until(lambda: (lambda r: r if r and (before is None or r.counter > before.counter)
                               else None)(latest()),
                      timeout, interval=0.2, what=f"guest {name} to write a new record")


def wait_services(state, layout, guest_names, timeout):
    """Waits until every fence device is started, the event daemon runs on
    every host (the classic stack: runs nowhere), and each guest runs
    exactly once, where Pacemaker says. Returns the cluster view."""
    spec = hosts.first_on(state, layout)
    fence = [f"fence-{h.name}" for h in layout.hosts]
    classic = state.load().get("stack") == "classic"
    if classic:
        fence.append("fence-sbd")
    eventd = [] if classic else sorted(h.name for h in layout.hosts)

    def ready():
        view = cluster_view(state, layout, spec)
        if view is None:
            return None
        s = view["started"]
        if any(len(s.get(d, [])) != 1 for d in fence):
            return None
        if sorted(s.get("eventd", [])) != eventd:
            return None
        if any(len(s.get(g, [])) != 1 for g in guest_names):
            return None
        placement = guest_placement(state, layout, guest_names)
        if any(placement[g] != s[g] for g in guest_names):
            return None
        return view

    return wait_until(ready, timeout, interval=0.3,
                      what="fence devices, eventd on every host (classic: none) "
                      "and each guest running once")


class Stopwatch:
    def __init__(self):
        self.t0 = time.monotonic()

    def __call__(self):
        return round(time.monotonic() - self.t0, 1)
