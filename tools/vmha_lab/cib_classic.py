"""The classic stack's configuration (`vmha-lab up --stack classic`): the
same cluster, guests and fencing path as cib.py's, built from the tools
users run today instead of vmha's: resource-agents' VirtualDomain for the
guests, fence_ipmilan at the BMCs as fencing level 1, fence_sbd on the
poison-pill disk (pill.py) as level 2, and no event daemon.

Guests get the vmha guests' config, hypervisor, operation timings and
utilization; migration is left out, as in the vmha stack. The BMC
password goes into the CIB file only (cib.add_password), but fence_ipmilan
itself hands it to ipmitool as `-P PASSWORD`, visible in the host's process
list while each call runs: the classic stack's way, no option avoids it."""

from . import guests as G
from . import power
from .cib import MIGRATION_THRESHOLD, PROPERTIES, add_password, pcs, seed

# The vmha stack's properties without its node-health rules: nothing here
# sets health attributes.
CLASSIC_PROPERTIES = {k: v for k, v in PROPERTIES.items() if not k.startswith("node-health")}
PILL_DEVICE_ID = "fence-sbd"


def build(layout, guest_names, pill_dev):
    """Returns the seed CIB's text."""
    path = seed(layout, CLASSIC_PROPERTIES)
    devices = []
    for h in layout.hosts:
        rid = f"fence-{h.name}"
        # lanplus with cipher suite 3: the only one ipmi_sim answers without
        # a 10 s cipher-suite query first. power_wait as fence_vmha_ipmi's.
        pcs(path, "stonith", "create", rid, "fence_ipmilan", f"ip={h.bmc_addr}",
            f"username={power.USER}", "lanplus=1", "cipher=3", f"pcmk_host_list={h.name}",
            "power_wait=0", "op", "monitor", "interval=60s", force=False)
        devices.append(rid)
    hosts_list = ",".join(h.name for h in layout.hosts)
    pcs(path, "stonith", "create", PILL_DEVICE_ID, "fence_sbd", f"devices={pill_dev}",
        f"pcmk_host_list={hosts_list}", "op", "monitor", "interval=60s", force=False)
    for h in layout.hosts:
        # The BMC first; the pill when the BMC cannot be reached.
        pcs(path, "stonith", "level", "add", "1", h.name, f"fence-{h.name}")
        pcs(path, "stonith", "level", "add", "2", h.name, PILL_DEVICE_ID)
    for name in guest_names:
        pcs(path, "resource", "create", name, "ocf:heartbeat:VirtualDomain",
            f"config={G.config_path(layout, name)}", "hypervisor=qemu:///system",
            # Utilization as the vmha guests', set below, not written from
            # the domain at each start and monitor (its default host_memory
            # has no node capacity here, so the guests would stop).
            "autoset_utilization_cpu=false", "autoset_utilization_hv_memory=false",
            "autoset_utilization_host_memory=false",
            "op", "monitor", "interval=10s", "timeout=30s",
            "op", "start", "timeout=60s", "op", "stop", "timeout=60s",
            "meta", f"migration-threshold={MIGRATION_THRESHOLD}", force=False)
        pcs(path, "resource", "utilization", name, f"cpu={G.VCPUS}",
            f"hv_memory={G.MEMORY_MIB}", force=False)
    add_password(path, power.read_password(layout), devices)
    with open(path) as f:
        return f.read()
