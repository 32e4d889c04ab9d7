"""The lab's networks: three bridges (cluster, storage, management) inside
the lab's network namespace, one veth per host and network, and the
storage and qnetd namespaces on their networks. BMC addresses sit on the
management bridge itself (ipmi_sim runs in the lab namespace)."""

from . import layout as L
from .peers import cluster_net
from .peers.proc import run

HOST_PORTS = (("brc", "c", "eth0", "cluster_addr"), ("brs", "s", "eth1", "storage_addr"),
              ("brm", "m", "eth2", "mgmt_addr"))


def all_netns(layout, qdevice):
    names = [layout.net_ns, layout.storage_ns] + [h.netns for h in layout.hosts]
    return names + ([layout.qnetd_ns] if qdevice else [])


# A host's TCP gives up on an unanswered peer after about 3 s (the
# kernel's default is ~15 min). A pulled storage cable then fails the
# guests' NBD requests with I/O errors, and they pause, as multipath's
# no_path_retry or iSCSI's replacement_timeout make real storage do;
# without such a bound their I/O would hang, unseen, for minutes.
HOST_TCP_RETRIES2 = 3
# And a connection attempt over a pulled cable fails within 3 s, so what
# reconnects after the cable is back does so promptly.
HOST_TCP_SYN_RETRIES = 1


def build(layout, state, qdevice):
    for ns in all_netns(layout, qdevice):
        state.add_to_list("netns", ns)  # recorded first: a failure is still swept
        cluster_net.netns_add(ns)
    for h in layout.hosts:
        run([cluster_net.IP, "netns", "exec", h.netns, "sysctl", "-q", "-w",
             f"net.ipv4.tcp_retries2={HOST_TCP_RETRIES2}",
             f"net.ipv4.tcp_syn_retries={HOST_TCP_SYN_RETRIES}"])
    for bridge, net in L.BRIDGES:
        cluster_net.make_bridge(layout.net_ns, bridge, f"{net}.254/24")
    for h in layout.hosts:
        for bridge, prefix, dev, attr in HOST_PORTS:
            cluster_net.plug_host(layout.net_ns, bridge, f"{prefix}{h.index}", h.netns,
                                  f"{getattr(h, attr)}/24", peer=dev)
        run([cluster_net.IP, "-n", layout.net_ns, "addr", "add", f"{h.bmc_addr}/24", "dev", "brm"])
    cluster_net.plug_host(layout.net_ns, "brs", "stor", layout.storage_ns, f"{L.STORAGE_ADDR}/24")
    if qdevice:
        cluster_net.plug_host(layout.net_ns, "brm", "qnetd", layout.qnetd_ns, f"{L.QNETD_ADDR}/24")


def set_host_link(layout, spec, network, up):
    """Plugs or pulls one of a host's cables at its bridge: network is
    "cluster", "storage" or "mgmt"."""
    prefix = {"cluster": "c", "storage": "s", "mgmt": "m"}[network]
    cluster_net.set_port(layout.net_ns, f"{prefix}{spec.index}", up)
