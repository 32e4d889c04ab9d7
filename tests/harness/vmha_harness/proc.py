"""Process and waiting helpers shared by every harness module.

Rules: processes are stopped only by the PID we started; waits poll a
condition with a bound instead of sleeping a guessed time."""

import os
import shutil
import signal
import subprocess
import tempfile
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


def expect_within(what, predicate, timeout, interval=0.05):
    """wait_until for tests: a timeout fails the test (AssertionError) rather
    than erroring it, and names what was awaited."""
    try:
        return wait_until(predicate, timeout, interval=interval, what=what)
    except HarnessError as e:
        raise AssertionError(str(e)) from None


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


def path_state(path):
    """What the machine has at path, to tell that a test left it as it found
    it (vmha may be installed there, or not): None when nothing is there,
    else the link target or the file's identity and modification time."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    link = os.readlink(path) if os.path.islink(path) else None
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, link)


def run_with_agents(argv, agents, target="/usr/sbin", timeout=60, check=True, input=None):
    """Runs argv in a private mount namespace in which `target` shows the
    machine's files plus `agents` ({name: path}, as symlinks) through a
    read-only overlay. The machine's own directory is never written, and the
    namespace dies with the command."""
    tmp = tempfile.mkdtemp(prefix="vmha-agents-")
    try:
        layer = os.path.join(tmp, "layer")
        os.mkdir(layer)
        for name, src in agents.items():
            if not os.path.exists(src):
                raise HarnessError(f"{src} does not exist: build it first")
            os.symlink(os.path.abspath(src), os.path.join(layer, name))
        # mount(8) would record the overlay in the machine's /run/mount/utab.
        env = dict(os.environ, LIBMOUNT_UTAB=os.path.join(tmp, "utab"))
        script = 'mount -t overlay vmha-agents -o "lowerdir=$1:$2" "$2" && shift 2 && exec "$@"'
        return run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                    layer, target] + list(argv), timeout=timeout, check=check, input=input, env=env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
