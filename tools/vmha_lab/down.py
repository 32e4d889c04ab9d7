"""`vmha-lab down`: removes everything the state records, then sweeps by
name whatever a crashed lab left (every network namespace with one of this
lab's names, and every process inside one), so that no process, namespace,
mount or loop device of the lab remains."""

import os
import shutil
import signal

from . import hosts
from .peers import cluster_net
from .peers.proc import HarnessError, run, wait_until
from .state import is_same_process


def _kill_recorded(rec, timeout=10):
    """SIGTERM, then SIGKILL, to a recorded process (only if it is still
    the one we started)."""
    if not is_same_process(rec):
        return
    try:
        os.kill(rec["pid"], signal.SIGTERM)
        wait_until(lambda: not is_same_process(rec), timeout, what=f"pid {rec['pid']} to exit")
    except ProcessLookupError:
        return
    except HarnessError:
        try:
            os.kill(rec["pid"], signal.SIGKILL)
        except ProcessLookupError:
            return
        wait_until(lambda: not is_same_process(rec), 10, what=f"pid {rec['pid']} to die")


def _empty_netns(ns):
    """Kills every process inside one of the lab's namespaces: only the lab
    starts processes there."""
    pids = cluster_net.netns_pids(ns)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if pids:
        wait_until(lambda: not cluster_net.netns_pids(ns), 30,
                   what=f"the processes in {ns} to die")


def leftovers(layout):
    """What of this lab still exists on the machine: namespaces, processes
    in them, mounts naming the lab, loop devices over its files."""
    found = []
    for ns in cluster_net.list_netns():
        if layout.owns_netns(ns):
            found.append(f"netns {ns}")
            found += [f"pid {p} in {ns}" for p in cluster_net.netns_pids(ns)]
    with open("/proc/self/mountinfo") as f:
        for line in f:
            if layout.dir + "/" in line or any(
                    layout.owns_netns(os.path.basename(w)) for w in line.split()[3:5]):
                found.append(f"mount {line.split()[4]}")
    loops = run(["losetup", "-n", "-O", "NAME,BACK-FILE", "-l"], check=False).stdout
    found += [f"loop {line.split()[0]}" for line in loops.splitlines() if layout.dir + "/" in line]
    return found


def down(layout, state):
    """Idempotent; raises HarnessError listing what could not be removed."""
    data = state.load()
    errors = []
    for h in layout.hosts:
        try:
            hosts.power_off(state, h)
        except Exception as e:  # keep going: the rest must still go
            errors.append(f"{h.name}: {e}")
    for key, rec in data.get("procs", {}).items():
        try:
            _kill_recorded(rec)
        except Exception as e:
            errors.append(f"{key}: {e}")
    for dev in data.get("loops", []):
        run(["losetup", "-d", dev], check=False)
    names = set(data.get("netns", [])) | {ns for ns in cluster_net.list_netns()
                                          if layout.owns_netns(ns)}
    for ns in sorted(names):
        try:
            if cluster_net.netns_exists(ns):
                _empty_netns(ns)
                cluster_net.netns_del(ns)
        except Exception as e:
            errors.append(f"netns {ns}: {e}")
    left = leftovers(layout)
    if not errors and not left:
        shutil.rmtree(layout.dir, ignore_errors=True)
    if errors or left:
        raise HarnessError(f"lab {layout.name}: down left {left} ({'; '.join(errors)}); "
                           f"state kept in {layout.dir}")
