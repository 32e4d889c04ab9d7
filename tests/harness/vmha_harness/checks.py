"""Helpers only tests need, on top of the lab's peers (vmha_lab.peers):
a wait that fails the test instead of erroring it, and agents run from the
build tree as if installed, in a private mount namespace."""

import os
import shutil
import tempfile

from vmha_lab.peers.proc import HarnessError, run, wait_until


def expect_within(what, predicate, timeout, interval=0.05):
    """wait_until for tests: a timeout fails the test (AssertionError) rather
    than erroring it, and names what was awaited."""
    try:
        return wait_until(predicate, timeout, interval=interval, what=what)
    except HarnessError as e:
        raise AssertionError(str(e)) from None


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
