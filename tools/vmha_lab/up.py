"""`vmha-lab up`: builds the lab step by step, recording each piece before
making it; on any failure `down` removes whatever was made."""

import os
import secrets
import sys

from vmha_harness.cluster import corosync_conf, make_host_dir, make_overlays
from vmha_harness.libvirtd import PrivateLibvirtd
from vmha_harness.proc import HarnessError, wait_until

from . import HARNESS_DIR, cib, down, guests, heartbeat, hosts, network, observe, power, services
from . import layout as L

HERE = os.path.dirname(os.path.abspath(__file__))
GUESTS = 2
FORM_TIMEOUT = 60
SERVICES_TIMEOUT = 90
BOOT_TIMEOUT = 60


def log(msg):
    print(f"vmha-lab: {msg}", file=sys.stderr, flush=True)


def agent_overlays(build_dir):
    b = build_dir
    agents = {
        "/usr/sbin": [("fence_vmha_ipmi", f"{b}/stonith/fence_vmha_ipmi/fence_vmha_ipmi"),
                      ("fence_vmha_disk", f"{b}/stonith/fence_vmha_disk/fence_vmha_disk"),
                      ("vmha-eventd", f"{b}/tools/vmha_eventd/vmha-eventd")],
        "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", f"{b}/ocf/resource.d/vmha/VirtualMachine"),
                                         ("EventDaemon", f"{b}/ocf/resource.d/vmha/EventDaemon")],
    }
    missing = [src for files in agents.values() for _, src in files if not os.path.exists(src)]
    if missing:
        raise HarnessError(f"{missing[0]} does not exist: build vmha first "
                           f"(cmake --build {b}) or pass --build-dir")
    return agents


def _template(name, **subst):
    with open(os.path.join(HERE, name)) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace(f"@{k}@", v)
    return text


def make_hosts(layout, qdevice, cib_xml, build_dir):
    nodes = [(h.index, h.name, h.cluster_addr) for h in layout.hosts]
    conf = corosync_conf(f"vmhalab-{layout.name}", nodes, L.TOKEN_MS,
                         qdevice=(L.QNETD_ADDR, L.QNETD_PORT) if qdevice else None,
                         qdevice_timeout_ms=L.QDEVICE_TIMEOUT_MS)
    lines, _ = make_overlays(os.path.join(layout.dir, "overlay"), agent_overlays(build_dir))
    before = _template("host_before_cluster.sh",
                       SUBREAPER=os.path.join(HARNESS_DIR, "subreaper.py"),
                       HEARTBEAT_URI=heartbeat.uri(), HEARTBEAT_MOUNT=heartbeat.MOUNTPOINT)
    for i, h in enumerate(layout.hosts):
        make_host_dir(h.dir, conf, cib_xml, lines)
        PrivateLibvirtd(h.name, listen_addr=h.cluster_addr,
                        migration_ports=(49152, 49215)).prepare(os.path.join(h.dir, "libvirt"))
        # Where the guests' consoles go (libvirt makes it only at its first guest).
        os.makedirs(os.path.join(h.dir, "libvirt", "log", "qemu"))
        with open(os.path.join(h.dir, "before-cluster.sh"), "w") as f:
            f.write(before)
        if qdevice:
            with open(os.path.join(h.dir, "after-corosync.sh"), "w") as f:
                f.write(_template("host_after_corosync.sh"))


def up(layout, state, qdevice, build_dir, keep_failed=False):
    if state.exists():
        raise HarnessError(f"lab {layout.name} exists ({state.path}): "
                           f"run vmha-lab down --name {layout.name} first")
    clock = observe.Stopwatch()
    timings = {}
    try:
        with state.edit() as data:
            data.update(name=layout.name, hosts=layout.n_hosts, qdevice=qdevice,
                        state_root=layout.state_root, build_dir=build_dir)
        agent_overlays(build_dir)  # fail before building anything
        power.write_password(layout, secrets.token_urlsafe(12))
        log(f"networks and namespaces ({layout.n_hosts} hosts)")
        network.build(layout, state, qdevice)
        log("guest disks and NBD server")
        names = guests.make(layout, GUESTS)
        heartbeat.make(layout)
        services.start_nbdkit(layout, state)
        if qdevice:
            log("quorum device (corosync-qnetd)")
            services.start_qnetd(layout, state)
        log("cluster configuration")
        make_hosts(layout, qdevice, cib.build(layout, names), build_dir)
        log("BMCs; powering the hosts on through IPMI")
        power.start_bmcs(layout, state)
        timings["prepared"] = clock()
        for h in layout.hosts:
            cp = power.ipmitool(layout, h, "chassis", "power", "on")
            if cp.returncode != 0:
                raise HarnessError(f"BMC of {h.name} refused power on: {cp.stderr.strip()}")
        wait_until(lambda: all(hosts.is_on(state, h) for h in layout.hosts), 20,
                   what="every host's PID 1 (BMC chassis hook)")
        powered = observe.Stopwatch()
        wait_until(lambda: observe.formed(state, layout), FORM_TIMEOUT, interval=0.3,
                   what="every host online with a DC and quorum")
        timings["formation"] = powered()
        log(f"cluster formed {timings['formation']} s after power on")
        h0 = layout.hosts[0]
        cib.node_capacities(lambda argv: hosts.run_in(state, h0, argv), layout)
        observe.wait_services(state, layout, names, SERVICES_TIMEOUT)
        timings["services"] = powered()
        for g in names:
            observe.wait_writing(layout, g, BOOT_TIMEOUT)
        timings["guests_writing"] = powered()
        timings["up"] = clock()
        with state.edit() as data:
            data["timings"] = timings
            data["guests"] = names
        log(f"up in {timings['up']} s (formation {timings['formation']} s, "
            f"guests writing {timings['guests_writing']} s after power on)")
        return timings
    except BaseException as e:
        log(f"up failed: {e}")
        for h in layout.hosts:
            tail = os.path.join(h.dir, "console.log")
            if os.path.exists(tail):
                with open(tail, errors="replace") as f:
                    log(f"--- {tail}\n" + "".join(f.readlines()[-15:]))
        if keep_failed:
            log(f"left as it is (--keep-failed): vmha-lab down --name {layout.name} removes it")
        else:
            down.down(layout, state)
        raise
