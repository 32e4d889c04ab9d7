"""`vmha-lab up`: builds the lab step by step, recording each piece before
making it; on any failure `down` removes whatever was made."""

import os
import secrets
import sys

from . import (cib, cib_classic, down, guests, heartbeat, hosts, network, observe,
               pill, power, services)
from . import layout as L
from .peers.cluster import corosync_conf, make_host_dir, make_overlays
from .peers.libvirtd import SUBREAPER, PrivateLibvirtd
from .peers.proc import HarnessError, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
GUESTS = 2
FORM_TIMEOUT = 60
SERVICES_TIMEOUT = 90
BOOT_TIMEOUT = 60
SBD_TIMEOUT = 30
STACKS = ("vmha", "classic")


def log(msg):
    print(f"vmha-lab: {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout, interval=0.05):
    """wait_until, saying first what it waits for and for how long."""
    log(f"waiting for {what} (up to {timeout} s)")
    return wait_until(predicate, timeout, interval=interval, what=what)


# vmha's programs, where Pacemaker and the agents look for them inside the
# hosts, and the folder of each in a build directory.
PROGRAMS = {
    "/usr/sbin": [("fence_vmha_ipmi", "stonith/fence_vmha_ipmi"),
                  ("fence_vmha_disk", "stonith/fence_vmha_disk"),
                  ("vmha-eventd", "tools/vmha-eventd")],
    "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", "ocf/resource.d/vmha"),
                                     ("EventDaemon", "ocf/resource.d/vmha")],
}


def agent_overlays(build_dir):
    """What each host overlays on its /usr: build_dir's programs, or nothing
    when build_dir is None, as the hosts then see the installed ones."""
    if build_dir is None:
        missing = [os.path.join(d, name) for d, files in PROGRAMS.items()
                   for name, _ in files if not os.path.exists(os.path.join(d, name))]
        if missing:
            raise HarnessError(f"{missing[0]} is not installed: install vmha (tools/install) "
                               f"or pass --build-dir")
        return {}
    agents = {d: [(name, os.path.join(build_dir, sub, name)) for name, sub in files]
              for d, files in PROGRAMS.items()}
    missing = [src for files in agents.values() for _, src in files if not os.path.exists(src)]
    if missing:
        raise HarnessError(f"{missing[0]} does not exist: build vmha first "
                           f"(cmake --build {build_dir}), pass another --build-dir, "
                           f"or run an installed vmha-lab")
    return agents


def _template(name, **subst):
    with open(os.path.join(HERE, name)) as f:
        text = f.read()
    for k, v in subst.items():
        text = text.replace(f"@{k}@", v)
    return text


def make_hosts(layout, qdevice, cib_xml, build_dir, pill_dev=None):
    """pill_dev: the classic stack's poison-pill disk (no vmha agents then)."""
    nodes = [(h.index, h.name, h.cluster_addr) for h in layout.hosts]
    conf = corosync_conf(f"vmhalab-{layout.name}", nodes, L.TOKEN_MS,
                         qdevice=(L.QNETD_ADDR, L.QNETD_PORT) if qdevice else None,
                         qdevice_timeout_ms=L.QDEVICE_TIMEOUT_MS)
    overlays = agent_overlays(build_dir) if pill_dev is None else {}
    lines, _ = make_overlays(os.path.join(layout.dir, "overlay"), overlays)
    before = _template("host_before_cluster.sh",
                       SUBREAPER=SUBREAPER)
    if pill_dev is None:
        before += _template("host_heartbeat.sh", HEARTBEAT_URI=heartbeat.uri(),
                            HEARTBEAT_MOUNT=heartbeat.MOUNTPOINT)
    else:
        before += _template("host_sbd.sh", PILL=pill_dev)
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


def up(layout, state, qdevice, build_dir, keep_failed=False, stack="vmha"):
    """stack: "vmha", or "classic" (cib_classic.py: VirtualDomain,
    fence_ipmilan and fence_sbd with sbd watching, no vmha-eventd)."""
    if stack not in STACKS:
        raise HarnessError(f"--stack {stack}: one of {', '.join(STACKS)}")
    if state.exists():
        raise HarnessError(f"lab {layout.name} exists ({state.path}): "
                           f"run vmha-lab down --name {layout.name} first")
    clock = observe.Stopwatch()
    timings = {}
    try:
        with state.edit() as data:
            data.update(name=layout.name, hosts=layout.n_hosts, qdevice=qdevice,
                        state_root=layout.state_root, build_dir=build_dir, stack=stack)
        if stack == "vmha":
            agent_overlays(build_dir)  # fail before building anything
        power.write_password(layout, secrets.token_urlsafe(12))
        log(f"networks and namespaces ({layout.n_hosts} hosts)")
        network.build(layout, state, qdevice)
        log("guest disks and NBD server")
        names = guests.make(layout, GUESTS)
        pill_dev = None
        if stack == "vmha":
            heartbeat.make(layout)
        else:
            log("poison-pill disk (sbd)")
            pill_dev = pill.make(layout, state)
        services.start_nbdkit(layout, state)
        if qdevice:
            log("quorum device (corosync-qnetd)")
            services.start_qnetd(layout, state)
        log("cluster configuration")
        cib_xml = (cib.build(layout, names) if stack == "vmha"
                   else cib_classic.build(layout, names, pill_dev))
        make_hosts(layout, qdevice, cib_xml, build_dir, pill_dev)
        log("BMCs; powering the hosts on through IPMI")
        power.start_bmcs(layout, state)
        timings["prepared"] = clock()
        for h in layout.hosts:
            cp = power.ipmitool(layout, h, "chassis", "power", "on")
            if cp.returncode != 0:
                raise HarnessError(f"BMC of {h.name} refused power on: {cp.stderr.strip()}")
        wait("every host's PID 1 (BMC chassis hook)",
             lambda: all(hosts.is_on(state, h) for h in layout.hosts), 20)
        powered = observe.Stopwatch()
        wait("every host online with a DC and quorum", lambda: observe.formed(state, layout),
             FORM_TIMEOUT, interval=0.3)
        timings["formation"] = powered()
        if stack == "classic":
            log(f"waiting for sbd to watch the poison-pill disk in every host "
                f"(up to {SBD_TIMEOUT} s)")
            pill.wait_watching(state, layout, SBD_TIMEOUT)
        log(f"cluster formed {timings['formation']} s after power on")
        h0 = layout.hosts[0]
        cib.node_capacities(lambda argv: hosts.run_in(state, h0, argv), layout)
        log(f"waiting for the fence devices, eventd (vmha) and each guest running once "
            f"(up to {SERVICES_TIMEOUT} s)")
        observe.wait_services(state, layout, names, SERVICES_TIMEOUT)
        timings["services"] = powered()
        log(f"waiting for {' and '.join(names)} to write to their disks "
            f"(up to {BOOT_TIMEOUT} s each)")
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
