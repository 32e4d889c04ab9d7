#!/usr/bin/python3
"""Supervises a private libvirtd inside its mount namespace.

Usage: subreaper.py PARENT_PID -- DAEMON_ARGV...

Starts DAEMON_ARGV as its child and reaps every orphan below it (QEMU
daemonizes, so it becomes our child): as a child subreaper it reaps a killed
QEMU at once, so libvirt reports the crash at once (~10 ms instead of ~2 s).
SIGUSR1 starts the daemon again if it is not running (the harness's
restart); SIGTERM, or the death of PARENT_PID (the test), kills whatever
children remain and exits, which ends the mount namespace. STATE_FILE
always says "running PID" or "exited PID WAIT_STATUS" for the daemon, so
the harness sees at once a daemon that could not start."""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
HANDLED = {signal.SIGCHLD, signal.SIGUSR1, signal.SIGTERM}
STATE_FILE = "/run/vmha-subreaper.state"


def log(msg):
    print(f"subreaper: {msg}", file=sys.stderr, flush=True)


def set_state(text):
    with open(STATE_FILE + ".tmp", "w") as f:
        f.write(text + "\n")
    os.rename(STATE_FILE + ".tmp", STATE_FILE)


def start(argv):
    # The child must not inherit our blocked signal mask.
    pid = os.posix_spawn(argv[0], argv, os.environ, setsigmask=())
    log(f"started {argv[0]} as pid {pid}")
    set_state(f"running {pid}")
    return pid


def reap(daemon):
    """Reaps every exited child; returns the daemon's PID if it still runs."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return daemon
        if pid == 0:
            return daemon
        if pid == daemon:
            log(f"daemon pid {pid} ended, wait status {status}")
            set_state(f"exited {pid} {status}")
            daemon = None


def children():
    me = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(") ", 1)[1].split()[1] == me:
                        found.append(int(entry))
            except (OSError, IndexError):
                pass
    return found


def kill_children():
    for pid in children():
        log(f"killing leftover child {pid}")
        os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main():
    parent = int(sys.argv[1])
    argv = sys.argv[3:]
    signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log("PR_SET_CHILD_SUBREAPER failed")
        return 1
    # A test killed outright (e.g. by ctest's timeout) must not leave
    # libvirtd and its guests running.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        return 1
    daemon = start(argv)
    while True:
        sig = signal.sigwaitinfo(HANDLED).si_signo
        # Reap first: a SIGUSR1 may be handled before the SIGCHLD of the
        # daemon it replaces.
        daemon = reap(daemon)
        if sig == signal.SIGUSR1 and daemon is None:
            daemon = start(argv)
        elif sig == signal.SIGTERM:
            kill_children()
            return 0


if __name__ == "__main__":
    sys.exit(main())
