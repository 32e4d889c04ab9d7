"""A real Corosync + Pacemaker cluster of N hosts on this one machine.

    with Cluster(n_hosts=3, name="t1") as c:
        c.wait_online()
        c.hosts[0].run(["crm_mon", "-1"])

Each host is a set of namespaces (cluster_host.Host); the hosts talk over a
bridge inside a lab network namespace of the cluster's own. close() (also
run by the with block, atexit and SIGTERM/SIGHUP) removes everything the
cluster made, by PID and by name, on failure too."""

import atexit
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from . import cluster_net
from .cluster_host import STD_PATH, Host
from .proc import HarnessError, pid_alive, run, wait_until

BRIDGE = "br0"


class Cluster:
    """Attributes: hosts, name, tmpdir, lab_netns (the namespace holding the
    bridge; its address lab_addr reaches every host), started_at
    (time.monotonic() at boot), formation_seconds (set by wait_online)."""

    def __init__(self, n_hosts=1, name="t1", subnet_index=0, token_ms=1000,
                 overlay_agents=None, stonith_enabled=False, no_quorum_policy="stop",
                 stickiness=100):
        # The name makes host names, namespace names and corosync's cluster
        # name: keep it to what all three accept.
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,19}", name):
            raise HarnessError(f"cluster name {name!r}: lowercase letters, digits, '-', at most 20")
        if not 1 <= n_hosts <= 9:
            raise HarnessError(f"n_hosts={n_hosts}: between 1 and 9")
        if not 0 <= subnet_index <= 255:
            raise HarnessError(f"subnet_index={subnet_index}: between 0 and 255")
        self.name = name
        self.formation_seconds = None
        # Addresses only ever live inside this cluster's namespaces; the
        # subnet still differs per cluster so that labs may later be joined.
        net = f"10.213.{subnet_index}"
        self.lab_addr = f"{net}.254"
        self.lab_netns = cluster_net.netns_name(name, "lab")
        self._netns = []
        self._overlays = {}  # agent name -> path inside the hosts
        self.tmpdir = tempfile.mkdtemp(prefix=f"vmhatest-{os.getpid()}-{name}-")
        # Readable by hacluster: pacemaker's daemons run as that user.
        os.chmod(self.tmpdir, 0o755)
        self.hosts = [Host(self, i, f"{name}-h{i}", f"{net}.{i}") for i in range(1, n_hosts + 1)]
        _register(self)
        try:
            self._build(token_ms, overlay_agents or {},
                        self._seed_cib(stonith_enabled, no_quorum_policy, stickiness))
            self.started_at = time.monotonic()
            for h in self.hosts:
                h.power_on()
        except BaseException:
            self._close_quietly()
            raise

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._close_quietly()  # the test's own error matters more

    def _build(self, token_ms, overlay_agents, cib_xml):
        sweep_orphans()
        for ns in [self.lab_netns] + [h.netns for h in self.hosts]:
            cluster_net.netns_add(ns)
            self._netns.append(ns)
        cluster_net.make_bridge(self.lab_netns, BRIDGE, f"{self.lab_addr}/24")
        overlays = self._make_overlays(overlay_agents)
        conf = self._corosync_conf(token_ms)
        for h in self.hosts:
            cluster_net.plug_host(self.lab_netns, BRIDGE, h.port, h.netns, f"{h.addr}/24")
            make_host_dir(h.dir, conf, cib_xml, overlays)

    def _corosync_conf(self, token_ms):
        return corosync_conf(self.name, [(h.index, h.name, h.addr) for h in self.hosts], token_ms)

    def _seed_cib(self, stonith_enabled, no_quorum_policy, stickiness):
        return seed_cib(os.path.join(self.tmpdir, "cib-seed.xml"), {
            "stonith-enabled": "true" if stonith_enabled else "false",
            "no-quorum-policy": no_quorum_policy}, stickiness)

    def _make_overlays(self, overlay_agents):
        lines, paths = make_overlays(os.path.join(self.tmpdir, "overlay"), overlay_agents)
        self._overlays.update(paths)
        return lines

    def overlay_path(self, name):
        return self._overlays.get(name)

    def host(self, name):
        for h in self.hosts:
            if h.name == name:
                return h
        raise HarnessError(f"no host {name} in cluster {self.name}")

    def _reachable(self):
        """Hosts that are powered on and not partitioned away."""
        return [h for h in self.hosts if h.alive() and not h.partitioned]

    def crm_mon(self, host=None):
        """crm_mon's XML status as seen by host (default: a reachable host);
        None while that host's Pacemaker does not answer yet."""
        host = host or self._any()
        return parse_xml_output(host.run(["crm_mon", "-1", "--output-as=xml"], timeout=30,
                                         check=False))

    def nodes(self, host=None):
        """{node name: crm_mon's attributes of that node}, as seen by host;
        {} while Pacemaker does not answer."""
        mon = self.crm_mon(host)
        if mon is None:
            return {}
        return {n.get("name"): dict(n.attrib) for n in mon.findall("nodes/node")}

    def dc(self, host=None):
        """Name of the DC as seen by host, or None while there is none."""
        mon = self.crm_mon(host)
        dc = mon.find("summary/current_dc") if mon is not None else None
        return dc.get("name") if dc is not None and dc.get("present") == "true" else None

    def wait_online(self, timeout=60, hosts=None):
        """Waits until each of `hosts` (default: every powered-on host not
        partitioned) sees all of them online, a DC and quorum. Returns the
        seconds this call waited; the first success also records the time
        from boot to a formed cluster in formation_seconds."""
        begin = time.monotonic()
        hosts = hosts if hosts is not None else self._reachable()
        names = {h.name for h in hosts}

        def formed(h):
            mon = self.crm_mon(h)
            if mon is None:
                return False
            dc = mon.find("summary/current_dc")
            online = {n.get("name") for n in mon.findall("nodes/node") if n.get("online") == "true"}
            return (dc is not None and dc.get("present") == "true"
                    and dc.get("with_quorum") == "true" and names <= online)

        try:
            wait_until(lambda: all(formed(h) for h in hosts), timeout, interval=0.2,
                       what=f"{sorted(names)} online with a DC and quorum")
        except HarnessError as e:
            raise HarnessError(f"{e}\n{self.logs()}") from None
        if self.formation_seconds is None:
            self.formation_seconds = time.monotonic() - self.started_at
        return time.monotonic() - begin

    def _any(self):
        reachable = self._reachable()
        if not reachable:
            raise HarnessError(f"cluster {self.name}: no host is powered on and connected")
        return reachable[0]

    def cib_query(self, xpath=None):
        argv = ["cibadmin", "-Q"] + (["--xpath", xpath] if xpath else [])
        return self._any().run(argv, timeout=30).stdout

    def run_on_dc(self, argv, timeout=60, check=True, input=None):
        name = self.dc()
        if name is None:
            raise HarnessError(f"cluster {self.name} has no DC to run {argv} on")
        return self.host(name).run(argv, timeout=timeout, check=check, input=input)

    def logs(self, lines=40):
        """The last lines of every host's console and Pacemaker log, for a
        failure message (the files go away with close())."""
        return "\n".join(h.console_tail(lines) for h in self.hosts)

    def close(self):
        """Stops every host (by the PID it started), deletes the namespaces
        (and with them the bridge and veths) and the temporary directory.
        Each step is idempotent, so close() may run again after a failure."""
        errors = []
        for h in self.hosts:
            try:
                h.power_off()
            except Exception as e:  # keep going: the rest must still go
                errors.append(f"{h.name}: {e}")
        for ns in list(self._netns):
            try:
                cluster_net.netns_del(ns)
                self._netns.remove(ns)
            except Exception as e:
                errors.append(f"netns {ns}: {e}")
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        if os.path.exists(self.tmpdir):
            errors.append(f"{self.tmpdir} could not be removed")
        if errors:
            raise HarnessError(f"cluster {self.name} cleanup failed: " + "; ".join(errors))
        _live.discard(self)

    def _close_quietly(self):
        try:
            self.close()
        except Exception as e:
            print(f"vmha_lab.peers: {e}", flush=True)


def sweep_orphans():
    """Removes what a test process killed by SIGKILL left behind: its hosts
    died with it (PDEATHSIG), its namespaces and temporary directory did not."""
    cluster_net.sweep_orphans()
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        owner = cluster_net.owner_pid(entry)
        if owner is None or pid_alive(owner) or any(
                cluster_net.owner_pid(ns) == owner for ns in cluster_net.list_netns()):
            continue
        shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


def parse_xml_output(cp):
    """The XML a Pacemaker tool printed (a CompletedProcess), or None when
    the tool failed or printed no whole document (it does not answer yet)."""
    if cp.returncode != 0:
        return None
    try:
        return ET.fromstring(cp.stdout)
    except ET.ParseError:
        return None


def corosync_conf(cluster_name, nodes, token_ms, qdevice=None, qdevice_timeout_ms=None):
    """corosync.conf for nodes [(nodeid, name, ring0 address)]. qdevice:
    (address, port) of a corosync-qnetd (TLS off, algorithm lms) or None;
    qdevice_timeout_ms: the device's poll timeout (corosync's default 10 s
    when None)."""
    body = "".join(
        f"    node {{\n        ring0_addr: {addr}\n        name: {name}\n"
        f"        nodeid: {index}\n    }}\n" for index, name, addr in nodes)
    if qdevice:
        timeout = f"        timeout: {qdevice_timeout_ms}\n" if qdevice_timeout_ms else ""
        quorum = (f"    device {{\n        votes: {len(nodes) - 1}\n{timeout}"
                  "        model: net\n        net {\n            tls: off\n"
                  f"            host: {qdevice[0]}\n            port: {qdevice[1]}\n"
                  "            algorithm: lms\n        }\n    }\n")
    else:
        # Two hosts cannot out-vote each other: two_node keeps the survivor
        # quorate (it implies wait_for_all, so both must be seen once first).
        quorum = "    two_node: 1\n" if len(nodes) == 2 else ""
    return (
        "totem {\n    version: 2\n"
        f"    cluster_name: {cluster_name}\n"
        "    transport: knet\n"
        f"    token: {token_ms}\n"
        # Without this, token grows by 650 ms per host above two.
        "    token_coefficient: 0\n"
        "    crypto_cipher: none\n    crypto_hash: none\n}\n"
        f"nodelist {{\n{body}}}\n"
        f"quorum {{\n    provider: corosync_votequorum\n{quorum}}}\n"
        "logging {\n    to_stderr: yes\n    to_logfile: yes\n"
        "    logfile: /var/log/corosync/corosync.log\n"
        "    to_syslog: no\n    timestamp: on\n}\n")


def seed_cib(path, properties, stickiness):
    """Writes and returns the hosts' first cib.xml, built offline with
    Pacemaker's own tools so it is valid for this Pacemaker version.
    dc-deadtime=2s (unless `properties` says otherwise): the first DC is
    elected in seconds instead of after the default 20 s."""
    with open(path, "w") as f:
        f.write(run([_tool("cibadmin"), "--empty"]).stdout)
    env = dict(os.environ, CIB_file=path)
    for k, v in dict({"dc-deadtime": "2s"}, **properties).items():
        run([_tool("crm_attribute"), "--type", "crm_config", "--name", k, "--update", v], env=env)
    # rsc_defaults does not exist in an empty CIB: create it whole, under
    # configuration. Stickiness keeps resources from failing back when a
    # host rejoins, which would blur what a test observes.
    run([_tool("cibadmin"), "-C", "-o", "configuration", "--xml-text",
         '<rsc_defaults><meta_attributes id="rsc-options">'
         '<nvpair id="rsc-options-resource-stickiness" name="resource-stickiness" '
         f'value="{stickiness}"/></meta_attributes></rsc_defaults>'], env=env)
    with open(path) as f:
        return f.read()


def make_overlays(root, overlay_agents):
    """Builds one layer directory per mount point under root and returns
    (the lines of the hosts' overlays file, "mountpoint<TAB>layer";
    {agent name: its path inside the hosts}). A target that does not exist
    on the machine (/usr/lib/ocf/resource.d/vmha) is made inside the layer
    of its nearest existing ancestor."""
    layers = {}
    paths = {}
    for target, files in overlay_agents.items():
        target = os.path.normpath(target)
        existing = target
        while not os.path.isdir(existing):
            existing = os.path.dirname(existing)
        mount = os.path.realpath(existing)
        layer = layers.setdefault(mount, os.path.join(
            root, mount.strip("/").replace("/", "_") or "root"))
        dest = os.path.join(layer, os.path.relpath(target, existing))
        os.makedirs(dest, exist_ok=True)
        for name, src in files:
            src = os.path.abspath(src)
            if not os.path.exists(src):
                raise HarnessError(f"overlay_agents: {src} does not exist: build it first")
            # A link, not a copy: binaries with an $ORIGIN rpath still
            # find their libraries next to the real file.
            os.symlink(src, os.path.join(dest, name))
            paths[name] = os.path.join(target, name)
    # Shallowest first so that a deeper overlay stacks on top.
    return [f"{m}\t{layers[m]}" for m in sorted(layers, key=lambda m: m.count("/"))], paths


def _tool(name):
    found = shutil.which(name, path=STD_PATH)
    if not found:
        raise HarnessError(f"{name} not found: run tools/install-deps")
    return found


def make_host_dir(d, corosync_conf, cib_xml, overlay_lines):
    """The directories cluster_init.sh binds over the machine's, with the
    owners and modes the Debian packages give them."""
    ha = shutil.chown
    for sub in ("etc-corosync/uidgid.d", "var-lib-corosync", "log-corosync"):
        os.makedirs(os.path.join(d, sub))
    for sub in ("cib", "pengine", "blackbox", "cores"):
        p = os.path.join(d, "var-lib-pacemaker", sub)
        os.makedirs(p, mode=0o750)
        ha(p, "hacluster", "haclient")
    logs = os.path.join(d, "log-pacemaker")
    os.makedirs(logs)
    os.chmod(logs, 0o770)
    ha(logs, "hacluster", "haclient")
    with open(os.path.join(d, "etc-corosync", "corosync.conf"), "w") as f:
        f.write(corosync_conf)
    cib = os.path.join(d, "var-lib-pacemaker", "cib", "cib.xml")
    with open(cib, "w") as f:
        f.write(cib_xml)
    os.chmod(cib, 0o600)
    ha(cib, "hacluster", "haclient")
    with open(os.path.join(d, "overlays"), "w") as f:
        f.write("".join(line + "\n" for line in overlay_lines))


# Clusters still open, closed at exit or on SIGTERM/SIGHUP if a test did not.
_live = set()
_lock = threading.Lock()


def _register(cluster):
    with _lock:
        if not _live and not getattr(_register, "done", False):
            atexit.register(_close_all)
            _install_signal_handlers()
            _register.done = True
        _live.add(cluster)


def _close_all():
    for c in list(_live):
        c._close_quietly()


def _interrupt(signum, frame):
    # KeyboardInterrupt, not SystemExit: unittest records SystemExit as one
    # test's error and runs on; KeyboardInterrupt ends the run, unwinding
    # every with block (close) and then atexit.
    raise KeyboardInterrupt(f"signal {signum}")


def _install_signal_handlers():
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:  # never override a test's own
            signal.signal(sig, _interrupt)
