"""The lab's shared services, each in its own network namespace: nbdkit
serving the guests' disks (one file per named export) on the storage
network, and corosync-qnetd on the management network."""

import os
import subprocess

from . import layout as L
from .peers import cluster_net
from .peers.proc import HarnessError, read_pidfile, wait_until
from .state import proc_record


def start_nbdkit(layout, state):
    """One nbdkit for every disk file in the storage directory: the export
    name is the file name. TCP on the storage network only, so that pulling
    a host's storage cable cuts its disks and nothing else."""
    pidfile = os.path.join(layout.dir, "nbdkit.pid")
    log = os.path.join(layout.dir, "nbdkit.log")
    with open(log, "ab") as out:
        # nbdkit forks into the background once it listens, then writes
        # the pidfile.
        cp = subprocess.run([cluster_net.IP, "netns", "exec", layout.storage_ns, "nbdkit",
                             "-i", L.STORAGE_ADDR, "-p", str(L.NBD_PORT), "-P", pidfile,
                             "file", f"dir={layout.storage_dir}"],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=30)
    if cp.returncode != 0:
        raise HarnessError(f"nbdkit exited {cp.returncode}: see {log}")
    pid = wait_until(lambda: read_pidfile(pidfile), 10, what=f"nbdkit to write {pidfile}")
    state.set_proc("nbdkit", proc_record(pid))


def start_qnetd(layout, state):
    """corosync-qnetd without TLS (no certificate database), its lock file
    and socket in the lab directory instead of the machine's /run."""
    d = os.path.join(layout.dir, "qnetd")
    os.makedirs(d)
    sock = os.path.join(d, "qnetd.sock")
    with open(os.path.join(d, "qnetd.log"), "ab") as out:
        p = subprocess.Popen([cluster_net.IP, "netns", "exec", layout.qnetd_ns, "corosync-qnetd",
                              "-f", "-s", "off", "-l", L.QNETD_ADDR, "-p", str(L.QNETD_PORT),
                              "-S", f"lock_file={d}/qnetd.pid,local_socket_file={sock}"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                             start_new_session=True)
    state.set_proc("qnetd", proc_record(p.pid))

    def listening():
        if p.poll() is not None:
            raise HarnessError(f"corosync-qnetd exited {p.returncode}: see {d}/qnetd.log")
        return os.path.exists(sock)

    wait_until(listening, 10, what="corosync-qnetd to open its socket")
