"""A private libvirtd (Debian 12's monolithic daemon) with the QEMU driver,
in its own mount namespace, for tests that run real guests.

The namespace (libvirtd-ns.sh beside this module) puts per-instance directories
of a temporary workdir over /run, /var/{lib,log,cache}/libvirt and
/etc/libvirt, and a copy of passwd/group that has the libvirt-qemu user
libvirt insists on: the machine itself is not changed. libvirtd runs under a
subreaper (subreaper.py, also beside it) whose PID is `ns_pid`."""

import os
import shutil
import signal
import subprocess
import tempfile
import uuid

from . import proc

PEERS_DIR = os.path.dirname(os.path.abspath(__file__))
LAUNCHER = os.path.join(PEERS_DIR, "libvirtd-ns.sh")
SUBREAPER = os.path.join(PEERS_DIR, "subreaper.py")
QEMU_USER = "libvirt-qemu"
START_TIMEOUT = 60


def _with_qemu_account(src, dst, line_for_id):
    """Copies passwd or group to dst, adding libvirt-qemu if it is missing."""
    with open(src) as f:
        lines = f.read().splitlines()
    if not any(line.split(":")[0] == QEMU_USER for line in lines):
        used = {line.split(":")[2] for line in lines if line.count(":") >= 2}
        free = next(i for i in range(64055, 65534) if str(i) not in used)
        lines.append(line_for_id(free))
    with open(dst, "w") as f:
        f.write("\n".join(lines) + "\n")


class PrivateLibvirtd(proc.Peer):
    """Context manager: a running private libvirtd. Leaving it destroys every
    guest and leaves no process, mount or file behind, also after a failure
    or with libvirtd SIGSTOPped. Create it in the main thread: the daemon
    and its guests are killed when the creating thread ends (so that a test
    killed outright leaves only its workdir behind)."""

    uri = "qemu:///system"  # valid inside the namespace: see ns_cmd()

    def __init__(self, name, listen_addr="127.0.0.2", migration_ports=(49200, 49215), hosts=None):
        """hosts: {name: address} the daemon resolves besides the machine's
        /etc/hosts (cluster node names, for qemu+tcp://NODE/system)."""
        self.name = name
        self.hosts = dict(hosts or {})
        self.listen_addr = listen_addr
        self.migration_ports = migration_ports
        self.tcp_uri = f"qemu+tcp://{listen_addr}/system"
        self.workdir = None
        self.ns_pid = None
        self.mnt_ns = None  # e.g. "mnt:[4026532301]", to check it is gone
        self._pid = None
        self._launcher = None

    @property
    def pid(self):
        """The PID of the libvirtd started last (it may have died since)."""
        return self._pid

    def _host_path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def _prepare(self):
        for d in ("run/libvirt", "etc", "lib", "log", "cache", "var-upper", "var-work"):
            os.makedirs(self._host_path(d))
        conf = {
            "libvirtd.conf": f"""listen_tls = 0
listen_tcp = 1
listen_addr = "{self.listen_addr}"
auth_tcp = "none"
auth_unix_rw = "none"
auth_unix_ro = "none"
host_uuid = "{uuid.uuid4()}"
log_outputs = "3:stderr"
""",
            # No virtlogd, no cgroups, no private /dev, no relabelling: none of
            # them exists or works without systemd here.
            "qemu.conf": f"""user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
namespaces = [ ]
cgroup_controllers = [ ]
migration_address = "{self.listen_addr}"
migration_host = "{self.listen_addr}"
migration_port_min = {self.migration_ports[0]}
migration_port_max = {self.migration_ports[1]}
""",
        }
        for name, text in conf.items():
            with open(self._host_path("etc", name), "w") as f:
                f.write(text)
        if self.hosts:
            with open("/etc/hosts") as f:
                machine = f.read()
            with open(self._host_path("hosts"), "w") as f:
                f.write(machine.rstrip("\n") + "\n" +
                        "".join(f"{addr} {name}\n" for name, addr in self.hosts.items()))
        _with_qemu_account("/etc/passwd", self._host_path("passwd"),
                           lambda i: f"{QEMU_USER}:x:{i}:{i}:Libvirt Qemu:/var/lib/libvirt:"
                                     "/usr/sbin/nologin")
        _with_qemu_account("/etc/group", self._host_path("group"),
                           lambda i: f"{QEMU_USER}:x:{i}:")

    def prepare(self, workdir):
        """Writes the daemon's configuration and directories into workdir (a
        new directory) without starting anything, for callers that start
        libvirtd in a namespace of their own (vmha-lab's hosts)."""
        self.workdir = workdir
        os.makedirs(workdir)
        self._prepare()

    def start(self):
        """Creates the workdir and the namespace, starts libvirtd and waits
        until it answers (`with` calls this)."""
        self.workdir = tempfile.mkdtemp(prefix=f"vmha-libvirtd-{self.name}-")
        self._prepare()
        with open(self._host_path("libvirtd.log"), "ab") as log:
            self._launcher = subprocess.Popen(
                ["/bin/bash", LAUNCHER, self.workdir, str(os.getpid())],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.ns_pid = self._launcher.pid
        self._wait_ready(previous=None)
        self.mnt_ns = os.readlink(f"/proc/{self.ns_pid}/ns/mnt")
        if self.mnt_ns == os.readlink("/proc/self/ns/mnt"):
            raise proc.HarnessError(f"libvirtd {self.name} is not in its own mount namespace")

    def _log_tail(self):
        try:
            with open(self._host_path("libvirtd.log"), errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def _daemon_state(self):
        """("running"|"exited", pid) as the subreaper last wrote it, or None."""
        try:
            with open(self._host_path("run", "vmha-subreaper.state")) as f:
                words = f.read().split()
            return words[0], int(words[1])
        except (OSError, IndexError, ValueError):
            return None

    def _wait_ready(self, previous):
        def ready():
            if self._launcher.poll() is not None:
                raise proc.HarnessError(f"libvirtd {self.name}: its namespace ended")
            state = self._daemon_state()
            if state is None or state[1] == previous:
                return None
            if state[0] == "exited":
                raise proc.HarnessError(f"libvirtd {self.name} exited at start (another "
                                        f"daemon on {self.listen_addr}?)")
            answered = self.run(["virsh", "-c", self.uri, "version"], check=False, timeout=20)
            return state[1] if answered.returncode == 0 else None

        try:
            self._pid = proc.wait_until(ready, START_TIMEOUT, interval=0.1,
                                        what=f"libvirtd {self.name} to answer")
        except proc.HarnessError as e:
            raise proc.HarnessError(f"{e}; its log:\n{self._log_tail()}") from None

    def ns_cmd(self, argv):
        """argv wrapped to run inside the daemon's mount namespace."""
        return ["nsenter", "-t", str(self.ns_pid), "-m", "--", *argv]

    def run(self, argv, **kw):
        """proc.run of argv inside the namespace."""
        return proc.run(self.ns_cmd(argv), **kw)

    def virsh(self, *args, timeout=60):
        """virsh against this daemon; returns stdout stripped, raises
        HarnessError (with virsh's stderr) when virsh fails."""
        return self.run(["virsh", "-c", self.uri, *args], timeout=timeout).stdout.strip()

    def pidfile_path(self, domain_name):
        """The domain's QEMU pidfile as seen inside the namespace."""
        return f"/run/libvirt/qemu/{domain_name}.pid"

    def qemu_pid(self, domain_name):
        """PID of the domain's QEMU, or None when it is not running."""
        return proc.read_pidfile(self._host_path("run", "libvirt", "qemu", f"{domain_name}.pid"))

    def qemu_log(self, domain_name):
        """Host path of QEMU's own log for the domain (command line, errors)."""
        return self._host_path("log", "qemu", f"{domain_name}.log")

    def stop_libvirtd(self, timeout=15):
        """Stops libvirtd (SIGTERM, then SIGKILL); its guests keep running."""
        if self._pid and proc.pid_alive(self._pid):
            os.kill(self._pid, signal.SIGCONT)  # a SIGSTOPped daemon ignores SIGTERM
            proc.stop_pid(self._pid, timeout=timeout)

    def start_libvirtd(self):
        """Starts libvirtd again in the same namespace (after stop_libvirtd or
        a test's kill) and waits until it answers."""
        previous = self._pid
        os.kill(self.ns_pid, signal.SIGUSR1)
        self._wait_ready(previous)

    def restart(self):
        self.stop_libvirtd()
        self.start_libvirtd()

    def _namespace_pids(self):
        """Every process in our mount namespace but the subreaper: libvirtd,
        QEMU, and whatever a test started through ns_cmd()."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != self.ns_pid:
                try:
                    if os.readlink(f"/proc/{entry}/ns/mnt") == self.mnt_ns:
                        found.append(int(entry))
                except OSError:
                    pass
        return found

    def _destroy_domains(self):
        try:
            names = self.virsh("list", "--name", timeout=15).split()
        except proc.HarnessError:
            return  # the daemon does not answer: its QEMUs are killed below
        for name in names:
            self.run(["virsh", "-c", self.uri, "destroy", name], check=False, timeout=30)

    def close(self):
        try:
            if self._launcher is not None and self._launcher.poll() is None:
                if self.mnt_ns:
                    # A SIGSTOPped libvirtd would not answer, a SIGSTOPped QEMU
                    # would hold up `virsh destroy` for its whole SIGTERM grace.
                    for pid in self._namespace_pids():
                        try:
                            os.kill(pid, signal.SIGCONT)
                        except ProcessLookupError:
                            pass
                    self._destroy_domains()
                    self.stop_libvirtd()
                    # QEMU of a domain libvirt could not destroy, and anything
                    # else left in the namespace; found by namespace, so a
                    # recycled PID from a stale pidfile is never hit.
                    for pid in self._namespace_pids():
                        proc.stop_pid(pid, sig=signal.SIGKILL)
                # The subreaper kills what remains of its children and exits;
                # with it the namespace and all its mounts go.
                self._launcher.send_signal(signal.SIGTERM)
                try:
                    self._launcher.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self._launcher.kill()
                    self._launcher.wait(timeout=20)
        finally:
            if self.workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
