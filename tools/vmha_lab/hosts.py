"""Powering a lab host on and off, and running commands inside it.

A host is cluster_init.sh as PID 1 of fresh mount/UTS/IPC/PID namespaces in
the host's network namespace, as in peers.cluster.Cluster, but started
detached (its own session, no parent-death signal) so that it outlives the
`vmha-lab` command or chassis hook that powered it on. Its PID, start time
and PID namespace are recorded as procs["host-<name>"]."""

import os
import signal
import subprocess

from .peers import cluster_net
from .peers.cluster import parse_xml_output
from .peers.cluster_host import (BASH, INIT_SCRIPT, NSENTER, STD_PATH, UNSHARE, _children,
                                 host_env, pidns_inode, pids_in_pidns)
from .peers.proc import HarnessError, run, wait_until
from .state import is_same_process, proc_record


def key(spec):
    return f"host-{spec.name}"


def pid1_file(spec):
    """"PID START" of the host's PID 1 while it is on, for the BMC's hook to
    answer `get power` without starting Python (power.py)."""
    return os.path.join(spec.dir, "pid1")


def record(state, spec):
    return state.load().get("procs", {}).get(key(spec))


def is_on(state, spec):
    return is_same_process(record(state, spec))


def power_on(state, spec, post_s=0):
    """Boots the host (nothing if it runs) and records its PID 1, which
    waits post_s seconds (the firmware's power-on self test) before the
    host starts anything."""
    if is_on(state, spec):
        return
    env = dict(host_env(spec.dir), VMHA_HOST_NAME=spec.name, VMHA_HOST_DIR=spec.dir,
               VMHA_POST_S=str(post_s))
    argv = [cluster_net.IP, "netns", "exec", spec.netns,
            UNSHARE, "--mount", "--uts", "--ipc", "--pid", "--fork",
            "--kill-child", "--mount-proc", BASH, INIT_SCRIPT]
    with open(os.path.join(spec.dir, "console.log"), "ab") as log:
        unshare = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def forked():
        if unshare.poll() is not None:
            raise HarnessError(f"host {spec.name} stopped at boot (exit {unshare.returncode}); "
                               f"see {spec.dir}/console.log")
        kids = _children(unshare.pid)
        return kids[0] if kids else None

    init = wait_until(forked, 10, what=f"host {spec.name}'s PID 1")
    rec = proc_record(init, pidns=pidns_inode(init), unshare=unshare.pid)
    state.set_proc(key(spec), rec)
    with open(pid1_file(spec) + ".tmp", "w") as f:
        f.write(f"{rec['pid']} {rec['start']}\n")
    os.rename(pid1_file(spec) + ".tmp", pid1_file(spec))


def power_off(state, spec, timeout=30):
    """A power cut: SIGKILL to the recorded PID 1 (only if it is still the
    process we started), then waits until its PID namespace is empty."""
    rec = record(state, spec)
    if not rec:
        return
    if os.path.exists(pid1_file(spec)):
        os.unlink(pid1_file(spec))
    if is_same_process(rec):
        try:
            os.kill(rec["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
    if rec.get("pidns"):
        wait_until(lambda: not pids_in_pidns(rec["pidns"]), timeout,
                   what=f"host {spec.name}'s processes to die")
    with state.edit() as data:
        data.get("procs", {}).pop(key(spec), None)


def cmd(state, spec, argv):
    """argv run in every namespace of the host (which must be on)."""
    rec = record(state, spec)
    if not is_same_process(rec):
        raise HarnessError(f"host {spec.name} is powered off")
    exe = argv[0]
    if not os.path.isabs(exe):
        exe = next((os.path.join(d, exe) for d in STD_PATH.split(":")
                    if os.access(os.path.join(d, exe), os.X_OK)), exe)
    return [NSENTER, "-t", str(rec["pid"]), "-a", "--", exe, *argv[1:]]


def run_in(state, spec, argv, timeout=60, check=True, input=None):
    return run(cmd(state, spec, argv), timeout=timeout, check=check, input=input,
               env=host_env(spec.dir))


def crm_mon(state, spec):
    """crm_mon's XML (with node attributes) as the host sees it, or None."""
    try:
        cp = run_in(state, spec, ["crm_mon", "-1", "--output-as=xml", "-A"], timeout=30,
                    check=False)
    except HarnessError:
        return None
    return parse_xml_output(cp)


def first_on(state, layout):
    """The first powered-on host, or None."""
    return next((h for h in layout.hosts if is_on(state, h)), None)
