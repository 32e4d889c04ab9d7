"""Network plumbing for lab clusters: named network namespaces, one bridge
per cluster inside a lab namespace of its own, one veth per host.

Nothing here touches the machine's root network namespace: veths are created
directly inside the lab namespace with their peer inside the host's."""

import os
import re
import shutil

from .proc import HarnessError, pid_alive, run

IP = shutil.which("ip", path="/usr/sbin:/usr/bin:/sbin:/bin") or "/usr/sbin/ip"
NETNS_DIR = "/run/netns"

# Namespace names carry the PID of the test process that owns them, so two
# test runs side by side never collide and a run killed with SIGKILL leaves
# names that a later run can recognise as orphaned and remove.
PREFIX = "vmhatest-"
_OWNED = re.compile(r"^vmhatest-(\d+)-")


def netns_name(cluster_name, suffix):
    return f"{PREFIX}{os.getpid()}-{cluster_name}-{suffix}"


def netns_exists(name):
    return os.path.exists(os.path.join(NETNS_DIR, name))


def list_netns():
    try:
        return os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return []


def netns_add(name):
    if netns_exists(name):
        raise HarnessError(f"network namespace {name} already exists: "
                           "give each live Cluster its own name")
    run([IP, "netns", "add", name])
    run([IP, "-n", name, "link", "set", "lo", "up"])


def netns_del(name):
    """Removes the namespace's name; the kernel frees it, and every interface
    in it, once no process is left inside."""
    if netns_exists(name):
        run([IP, "netns", "del", name])


def netns_pids(name):
    cp = run([IP, "netns", "pids", name], check=False)
    return [int(p) for p in cp.stdout.split()]


def make_bridge(lab_ns, bridge, addr_cidr):
    run([IP, "-n", lab_ns, "link", "add", bridge, "type", "bridge"])
    run([IP, "-n", lab_ns, "addr", "add", addr_cidr, "dev", bridge])
    run([IP, "-n", lab_ns, "link", "set", bridge, "up"])


def plug_host(lab_ns, bridge, port, host_ns, addr_cidr, peer="eth0"):
    """Creates veth `port` (lab side, on the bridge) with peer `peer` inside
    host_ns, and gives the peer addr_cidr."""
    run([IP, "-n", lab_ns, "link", "add", port, "type", "veth",
         "peer", "name", peer, "netns", host_ns])
    run([IP, "-n", lab_ns, "link", "set", port, "master", bridge, "up"])
    run([IP, "-n", host_ns, "addr", "add", addr_cidr, "dev", peer])
    run([IP, "-n", host_ns, "link", "set", peer, "up"])


def set_port(lab_ns, port, up):
    """Pulls (up=False) or plugs back the host's cable at the bridge: the
    host keeps its address and sees only carrier loss, as with a real cable."""
    run([IP, "-n", lab_ns, "link", "set", port, "up" if up else "down"])


def owner_pid(name):
    """The PID of the test process that made this harness name, or None for
    a name this harness does not make."""
    m = _OWNED.match(name)
    return int(m.group(1)) if m else None


def sweep_orphans():
    """Deletes namespaces left by test processes that died without cleaning
    up (SIGKILL by a ctest timeout). Only names this harness makes, only when
    the owner is gone and no process is inside."""
    for name in list_netns():
        owner = owner_pid(name)
        if owner is not None and not pid_alive(owner) and not netns_pids(name):
            netns_del(name)
