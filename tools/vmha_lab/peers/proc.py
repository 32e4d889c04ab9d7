"""Process and waiting helpers shared by every peer module.

Rules: processes are stopped only by the PID we started; waits poll a
condition with a bound instead of sleeping a guessed time."""

import os
import signal
import subprocess
import time


class HarnessError(RuntimeError):
    """A peer could not be started or did not behave; the message says why."""


def build_dir():
    d = os.environ.get("VMHA_BUILD_DIR")
    if not d:
        raise HarnessError("VMHA_BUILD_DIR is not set: run the tests through ctest")
    return d


def cache_dir():
    """Where the harness keeps what it builds for itself (the guest image, the
    KVM answer): $VMHA_CACHE_DIR, set by an installed vmha-lab, which has no
    build directory; else the build directory."""
    return os.environ.get("VMHA_CACHE_DIR") or build_dir()


def source_dir():
    d = os.environ.get("VMHA_SOURCE_DIR")
    if not d:
        raise HarnessError("VMHA_SOURCE_DIR is not set: run the tests through ctest")
    return d


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls predicate() until it returns a truthy value; returns that value.
    Raises HarnessError naming `what` when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise HarnessError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def run(argv, timeout=60, check=True, input=None, env=None, cwd=None, text=True):
    """Runs argv (no shell) and returns the CompletedProcess, with text output
    unless text=False (then input and output are bytes)."""
    try:
        cp = subprocess.run(argv, input=input, capture_output=True, text=text,
                            timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        raise HarnessError(f"{argv[0]} did not finish within {timeout}s: {argv}") from e
    if check and cp.returncode != 0:
        stderr = cp.stderr if text else cp.stderr.decode(errors="replace")
        raise HarnessError(f"{argv} exited {cp.returncode}: {stderr.strip()[-2000:]}")
    return cp


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone. A process reaped
    # between open and read makes the read fail with ESRCH.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def stop_pid(pid, timeout=10, sig=signal.SIGTERM):
    """Sends sig to pid (one we started), then SIGKILL if it outlives timeout."""
    if pid is None or not pid_alive(pid):
        return
    try:
        os.kill(pid, sig)
        wait_until(lambda: not pid_alive(pid), timeout, what=f"pid {pid} to exit")
    except ProcessLookupError:
        return
    except HarnessError:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        wait_until(lambda: not pid_alive(pid), 10, what=f"pid {pid} to die after SIGKILL")


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None


class Peer:
    """Base of the harness's context managers: `with` calls start() and, if
    that fails half-way, close(), so a half-started peer is removed too;
    leaving the block calls close(). close() must cope with any state."""

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
