"""One lab host: a network namespace plus mount, UTS, IPC and PID namespaces
whose PID 1 (cluster_init.sh) runs corosync and pacemaker, as a real host
would. Killing that PID 1 is a power cut: the kernel kills the rest."""

import ctypes
import os
import signal
import subprocess

from . import cluster_net
from .proc import HarnessError, pid_alive, run, wait_until

INIT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster_init.sh")
NSENTER = "/usr/bin/nsenter"
UNSHARE = "/usr/bin/unshare"
BASH = "/usr/bin/bash"
STD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # If the test process is SIGKILLed (a ctest timeout), the kernel kills
    # unshare, and unshare's --kill-child takes the host's PID 1 with it.
    # The signal follows the *thread* that started the host: start clusters
    # from a thread that outlives them (normally the main thread).
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(") ", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def _children(pid):
    # This kernel has no /proc/PID/task/TID/children: scan parent PIDs.
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(p) == pid]


def pidns_inode(pid):
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino
    except (FileNotFoundError, ProcessLookupError):
        return None
    except PermissionError:  # the machine's own init hides its namespaces
        return None


def pids_in_pidns(inode):
    """Every process on the machine whose PID namespace is `inode`."""
    found = []
    for p in os.listdir("/proc"):
        if p.isdigit() and pidns_inode(p) == inode:
            found.append(int(p))
    return found


def host_env(host_dir):
    """A clean environment for a host's PID 1 and for commands run in the
    host: the caller's PATH (pyenv, ctest variables) must not leak into the
    cluster daemons or the agents they run."""
    return {
        "PATH": STD_PATH,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        # unshare and mount would write mount info into the machine's /run.
        "LIBMOUNT_UTAB": os.path.join(host_dir, "utab"),
        # No syslog here; keep each host's log in its own directory.
        "PCMK_logfacility": "none",
        "PCMK_logfile": "/var/log/pacemaker/pacemaker.log",
    }


class Host:
    """Attributes: name (its hostname and corosync node name), addr (cluster
    address), netns (network namespace name), dir (per-host state directory
    on the machine), init_pid (PID 1 of its PID namespace as seen from the
    machine; None while powered off), console (log of PID 1's output)."""

    def __init__(self, cluster, index, name, addr):
        self.cluster = cluster
        self.index = index
        self.name = name
        self.addr = addr
        self.netns = cluster_net.netns_name(cluster.name, f"h{index}")
        self.port = f"h{index}"  # veth on the lab bridge
        self.dir = os.path.join(cluster.tmpdir, name)
        self.console = os.path.join(self.dir, "console.log")
        self.init_pid = None
        self.partitioned = False
        self._popen = None
        self._pidns = None

    def env(self):
        return host_env(self.dir)

    def power_on(self):
        """Boots the host: a new PID 1 in fresh namespaces (the network
        namespace and the per-host state directory persist, like a disk)."""
        if self.alive():
            raise HarnessError(f"host {self.name} is already powered on")
        env = dict(self.env(), VMHA_HOST_NAME=self.name, VMHA_HOST_DIR=self.dir)
        argv = [cluster_net.IP, "netns", "exec", self.netns,
                UNSHARE, "--mount", "--uts", "--ipc", "--pid", "--fork",
                "--kill-child", "--mount-proc", BASH, INIT_SCRIPT]
        with open(self.console, "ab") as log:
            # start_new_session: a terminal's Ctrl-C reaches the test only,
            # which then stops the hosts in order.
            self._popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, preexec_fn=_die_with_parent, start_new_session=True)
        unshare_pid = self._popen.pid

        def forked():
            if self._popen.poll() is not None:
                raise HarnessError(f"host {self.name} stopped at boot "
                                   f"(exit {self._popen.returncode}):\n{self.console_tail()}")
            kids = _children(unshare_pid)
            return kids[0] if kids else None

        self.init_pid = wait_until(forked, 10, what=f"host {self.name}'s PID 1")
        self._pidns = pidns_inode(self.init_pid)

    def alive(self):
        return (self._popen is not None and self._popen.poll() is None
                and self.init_pid is not None and pid_alive(self.init_pid))

    def power_off(self):
        """A power cut: SIGKILL to PID 1; returns once every process of the
        host is gone. Does nothing if the host is already off."""
        if self._popen is None:
            return
        # Only while unshare still runs is init_pid surely ours (it reaps its
        # child and exits at once); check the parent to be certain.
        if self._popen.poll() is None and _ppid(self.init_pid) == self._popen.pid:
            try:
                os.kill(self.init_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self._popen.wait(timeout=30)
        except subprocess.TimeoutExpired as e:
            raise HarnessError(f"host {self.name}: unshare {self._popen.pid} "
                               "outlived its PID 1 by 30 s") from e
        if self._pidns is not None:
            wait_until(lambda: not pids_in_pidns(self._pidns), 10,
                       what=f"host {self.name}'s processes to die")
        self._popen = None
        self.init_pid = None

    def partition(self):
        """Cuts the host's cluster link (its cable at the bridge)."""
        cluster_net.set_port(self.cluster.lab_netns, self.port, up=False)
        self.partitioned = True

    def heal(self):
        cluster_net.set_port(self.cluster.lab_netns, self.port, up=True)
        self.partitioned = False

    def resolve(self, exe):
        """Absolute path of exe as the host sees it: overlay agents first,
        then the standard PATH (nsenter needs an absolute path)."""
        if os.path.isabs(exe):
            return exe
        found = self.cluster.overlay_path(exe)
        if found:
            return found
        for d in STD_PATH.split(":"):
            candidate = os.path.join(d, exe)
            if os.access(candidate, os.X_OK):
                return candidate
        raise HarnessError(f"{exe} not found in {STD_PATH} nor in overlay_agents")

    def cmd(self, argv):
        """argv run inside every namespace of the host."""
        if not self.alive():
            raise HarnessError(f"host {self.name} is powered off")
        return [NSENTER, "-t", str(self.init_pid), "-a", "--",
                self.resolve(argv[0]), *argv[1:]]

    def run(self, argv, timeout=60, check=True, input=None, env=None):
        """argv inside the host; env adds to (or overrides) the host's clean environment."""
        return run(self.cmd(argv), timeout=timeout, check=check, input=input,
                   env={**self.env(), **(env or {})})

    def quorate(self):
        """True when this host's corosync says its partition has quorum."""
        cp = self.run(["corosync-quorumtool", "-s"], timeout=20, check=False)
        return any(line.split() == ["Quorate:", "Yes"] for line in cp.stdout.splitlines())

    def console_tail(self, lines=40):
        out = []
        for path in (self.console, os.path.join(self.dir, "log-pacemaker", "pacemaker.log")):
            try:
                with open(path, errors="replace") as f:
                    tail = f.readlines()[-lines:]
            except FileNotFoundError:
                continue
            out.append(f"--- {self.name}: {path}\n" + "".join(tail))
        return "\n".join(out)
