"""The cluster's configuration, written offline into the hosts' first
cib.xml (with Pacemaker's tools and `pcs -f`), so the cluster boots with
fencing, the event daemon and the guests already defined: no
configuration round trips while the lab comes up.

BMC passwords never appear on a command line: pcs creates each fence
device without one, and the password is added to the CIB file directly."""

import os
import xml.etree.ElementTree as ET

from . import guests as G
from . import heartbeat, power
from .peers.cluster import seed_cib
from .peers.cluster_host import STD_PATH
from .peers.proc import run

# g2 halting itself stays stopped (guest-poweroff's second half); g1's
# restarts, as by default.
GUEST_SHUTDOWN = {"g2": "stop"}
KILL_PAUSED_AFTER = 10
PILL_DEVICE = "fence-disk"
# Red storage: below 0, so no guest is placed on the node, but above
# -STICKINESS, so a guest already there stays (paused) through its
# kill_paused_after instead of being moved at once, and a storage outage of
# every host, whose nodes turn red and green a moment apart, moves nothing.
# Once vmha-eventd kills it at the deadline, MIGRATION_THRESHOLD=1 sends it
# elsewhere.
STICKINESS = 100
RED_SCORE = -50
MIGRATION_THRESHOLD = 1
NODE_CPU = 2
# One 96 MiB guest per host: placement is decided by capacity, and a host
# loss must move a guest to the host that has none.
NODE_HV_MEMORY = 128
PROPERTIES = {
    "stonith-enabled": "true",
    "no-quorum-policy": "stop",
    "placement-strategy": "balanced",
    "stonith-timeout": "30s",
    # Every host's Pacemaker reads the one machine's load average and,
    # seeing several times its share, would run one action at a time: a
    # guest's start then waited ~9 s behind a fence device's. The lab's
    # hosts share the CPUs; throttling on that load is meaningless here.
    "load-threshold": "10000%",
    # A red node's guests move, but red everywhere (a storage outage of the
    # whole cluster) must stop nothing. Pacemaker 2.1.5 makes a node of
    # negative health unavailable to every resource (migrate-on-red and
    # progressive stopped every guest, and eventd, in the lab), so red counts
    # 0 here and each guest's own location rule (RED_SCORE) keeps new guests away.
    "node-health-strategy": "custom",
    "node-health-red": "0",
}


def pcs(path, *args, force=True):
    # --force: the agents exist inside the hosts (overlays), not on the
    # machine, so pcs cannot read their metadata here; the cluster does.
    run(["pcs", "-f", path, *args] + (["--force"] if force else []), timeout=60,
        env={"PATH": STD_PATH, "LANG": "C.UTF-8", "HOME": "/root"})


def add_password(path, password, device_ids):
    tree = ET.parse(path)
    for rid in device_ids:
        attrs = tree.find(f".//primitive[@id='{rid}']/instance_attributes")
        ET.SubElement(attrs, "nvpair", id=f"{attrs.get('id')}-password", name="password",
                      value=password)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        tree.write(f)
    os.rename(path + ".tmp", path)


def seed(layout, properties):
    """The seed CIB's file (0600: it will hold passwords), with the cluster
    properties and stickiness only; returns its path."""
    path = os.path.join(layout.dir, "cib-seed.xml")
    seed_cib(path, properties, stickiness=STICKINESS)
    os.chmod(path, 0o600)
    return path


def build(layout, guest_names):
    """Returns the seed CIB's text."""
    path = seed(layout, PROPERTIES)
    devices = []
    for h in layout.hosts:
        rid = f"fence-{h.name}"
        pcs(path, "stonith", "create", rid, "fence_vmha_ipmi", f"ip={h.bmc_addr}",
             f"username={power.USER}", f"pcmk_host_list={h.name}", "power_wait=0",
             "op", "monitor", "interval=60s")
        devices.append(rid)
    # Second level: the poison pill on the shared disk, for when a BMC does
    # not answer (fence_vmha_ipmi fails within its login_timeout).
    pcs(path, "stonith", "create", PILL_DEVICE, "fence_vmha_disk", f"devices={heartbeat.PATH}",
         f"pcmk_host_list={' '.join(h.name for h in layout.hosts)}",
         "op", "monitor", "interval=60s")
    for h in layout.hosts:
        pcs(path, "stonith", "level", "add", "1", h.name, f"fence-{h.name}")
        pcs(path, "stonith", "level", "add", "2", h.name, PILL_DEVICE)
    pcs(path, "resource", "create", "eventd", "ocf:vmha:EventDaemon", "libvirt_grace=1000",
         *heartbeat.EVENTD_PARAMS,
         "op", "monitor", "interval=10s", "timeout=20s",
         # It reports the health: it must keep running on a red node. It
         # watches the poison pill: it must keep running without quorum
         # (no-quorum-policy=stop spares only resources that require nothing).
         "meta", "allow-unhealthy-nodes=true", "requires=nothing", "clone")
    for name in guest_names:
        pcs(path, "resource", "create", name, "ocf:vmha:VirtualMachine",
             f"config={G.config_path(layout, name)}", "hypervisor=qemu:///system",
             "resume_behavior=kill", f"kill_paused_after={KILL_PAUSED_AFTER}",
             f"guest_shutdown={GUEST_SHUTDOWN.get(name, 'restart')}",
             "op", "monitor", "interval=10s", "timeout=30s",
             "op", "start", "timeout=60s", "op", "stop", "timeout=60s",
             "meta", f"migration-threshold={MIGRATION_THRESHOLD}")
        # Red libvirt: no new guest there, and (stickiness) the running ones
        # stay: -INFINITY would stop them through a hung libvirtd.
        for attr in ("#health-vmha-storage", "#health-vmha-libvirt"):
            pcs(path, "constraint", "location", name, "rule", f"score={RED_SCORE}",
                 attr, "eq", "red")
        pcs(path, "resource", "utilization", name, f"cpu={G.VCPUS}",
             f"hv_memory={G.MEMORY_MIB}", force=False)
    add_password(path, power.read_password(layout), devices)
    with open(path) as f:
        return f.read()


def node_capacities(run_on_host, layout):
    """Sets every node's capacity (once the nodes exist in the CIB); until
    then the guests, which need capacity, are not placed anywhere."""
    for h in layout.hosts:
        for name, value in (("cpu", NODE_CPU), ("hv_memory", NODE_HV_MEMORY)):
            run_on_host(["crm_attribute", "--node", h.name, "--utilization", "--name", name,
                         "--update", str(value)])
