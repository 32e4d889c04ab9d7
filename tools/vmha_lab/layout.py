"""Names and addresses of one lab, derived from its name and host count
only, so that every sub-command (and a BMC's chassis hook) finds the same
namespaces without asking anyone.

Every address lives on bridges inside the lab's own network namespace, so
two labs may use the same subnets side by side."""

import os
import re

from .peers.proc import HarnessError

NETNS_PREFIX = "vmhalab-"
CLUSTER_NET = "10.214.0"   # corosync (bridge brc, host eth0)
STORAGE_NET = "10.214.1"   # NBD (bridge brs, host eth1)
MGMT_NET = "10.214.2"      # BMCs and qnetd (bridge brm, host eth2)
STORAGE_ADDR = f"{STORAGE_NET}.250"
QNETD_ADDR = f"{MGMT_NET}.250"
NBD_PORT = 10809
QNETD_PORT = 5403
TOKEN_MS = 1000
# corosync-qdevice casts its vote for a new membership on its vote timer
# (half this timeout): with the default 10 s, survivors of a host loss wait
# up to 5 s for quorum. 2 s is still far above qnetd's round trip here.
QDEVICE_TIMEOUT_MS = 2000
DEFAULT_STATE_ROOT = "/var/lib/vmha-lab"
BRIDGES = (("brc", CLUSTER_NET), ("brs", STORAGE_NET), ("brm", MGMT_NET))


class HostSpec:
    """One host: name (node and host name), netns, its addresses on the
    three networks, the address of its BMC, and its state directory."""

    def __init__(self, layout, index):
        self.index = index
        self.name = f"h{index}"
        self.netns = layout.netns(self.name)
        self.cluster_addr = f"{CLUSTER_NET}.{index}"
        self.storage_addr = f"{STORAGE_NET}.{index}"
        self.mgmt_addr = f"{MGMT_NET}.{index}"
        self.bmc_addr = f"{MGMT_NET}.{100 + index}"
        self.dir = os.path.join(layout.dir, self.name)
        self.bmc_dir = os.path.join(layout.dir, f"bmc-{self.name}")


class Layout:
    def __init__(self, name, n_hosts, state_root=DEFAULT_STATE_ROOT):
        # The name makes namespace names (at most ~15 more characters).
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,15}", name):
            raise HarnessError(f"lab name {name!r}: lowercase letters, digits, '-', at most 16")
        if not 1 <= n_hosts <= 9:
            raise HarnessError(f"--hosts {n_hosts}: between 1 and 9")
        self.name = name
        self.n_hosts = n_hosts
        self.state_root = os.path.abspath(state_root)
        # Hosts bind directories of the lab's directory over /run's tmpfs:
        # it must not live under /run.
        if self.state_root == "/run" or self.state_root.startswith("/run/"):
            raise HarnessError(f"--state-dir {state_root}: hosts mount a fresh /run; "
                               "use a directory outside /run")
        self.dir = os.path.join(self.state_root, name)
        self.net_ns = self.netns("net")
        self.storage_ns = self.netns("stor")
        self.qnetd_ns = self.netns("qnetd")
        self.hosts = [HostSpec(self, i) for i in range(1, n_hosts + 1)]
        self.storage_dir = os.path.join(self.dir, "storage")
        self.guest_dir = os.path.join(self.dir, "guests")

    def netns(self, suffix):
        return f"{NETNS_PREFIX}{self.name}-{suffix}"

    def owns_netns(self, ns):
        """Whether ns is a name this lab makes (what `down` sweeps)."""
        prefix = f"{NETNS_PREFIX}{self.name}-"
        # Exact suffixes: lab "a" must not sweep lab "a-b"'s namespaces.
        return ns.startswith(prefix) and re.fullmatch(r"net|stor|qnetd|h[1-9]", ns[len(prefix):])

    def host(self, name):
        for h in self.hosts:
            if h.name == name:
                return h
        raise HarnessError(f"lab {self.name} has no host {name}")
