"""What `cmake --install` puts on a machine, without putting it there: the
build is installed into a private DESTDIR, and commands that must see it at
its real place run in a private mount namespace whose /usr is an overlay of
that DESTDIR on the machine's /usr. The machine's own /usr is never written,
and the overlay dies with the command."""

import os
import shutil
import signal
import stat
import subprocess
import tempfile

from vmha_lab.peers.proc import HarnessError, build_dir, run

# In the namespace: /usr shows the DESTDIR's files over the machine's, but
# the lab's private directory only the DESTDIR's (an install replaces it
# whole: a vmha installed on the machine must not add modules of its own);
# crmsh logs to a throw-away tmpfs instead of the machine's /var/log/crmsh.
NAMESPACE_SCRIPT = """set -e
mount -t overlay vmha-installed -o "lowerdir=$1/usr:/usr" /usr
if [ -d "$1/usr/lib/vmha/lab" ]; then mount --bind "$1/usr/lib/vmha/lab" /usr/lib/vmha/lab; fi
if [ -d /var/log/crmsh ]; then mount -t tmpfs vmha-crmsh-log /var/log/crmsh; fi
shift
exec "$@"
"""


class InstalledTree:
    """`with InstalledTree() as tree:` installs VMHA_BUILD_DIR with prefix /usr
    into a temporary DESTDIR (tree.root) and removes it on leaving."""

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="vmha-install-")
        try:
            self.root = os.path.join(self.tmp, "root")
            self.home = os.path.join(self.tmp, "home")
            os.mkdir(self.home)
            run(["cmake", "--install", build_dir(), "--prefix", "/usr"], timeout=120,
                env=dict(os.environ, DESTDIR=self.root))
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, installed):
        """The DESTDIR copy of an absolute installed path."""
        return os.path.join(self.root, installed.lstrip("/"))

    def run(self, argv, timeout=60, check=True, cwd=None, env=None):
        """Runs argv as if the tree were installed (see the module's comment).
        HOME and the XDG directories point into the temporary tree, so tools
        that keep caches (crmsh) leave nothing in root's home."""
        env = dict(os.environ if env is None else env,
                   HOME=self.home,
                   XDG_CACHE_HOME=os.path.join(self.home, ".cache"),
                   XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   LIBMOUNT_UTAB=os.path.join(self.tmp, "utab"))
        return run(["unshare", "--mount", "--propagation", "private",
                    "sh", "-c", NAMESPACE_SCRIPT, "sh", self.root] + list(argv),
                   timeout=timeout, check=check, cwd=cwd, env=env)


def file_modes(root, skip=()):
    """{"/usr/...": "-rwxr-xr-x"} for every file and symlink below root (not
    directories), leaving out paths under any prefix in skip."""
    found = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            path = "/" + os.path.relpath(full, root)
            if not any(path.startswith(p) for p in skip):
                found[path] = stat.filemode(os.lstat(full).st_mode)
    return found


def run_group(argv, timeout, cwd=None):
    """Runs a long build (argv, no shell) in its own process group; on timeout
    the whole group we started is stopped, so no compiler outlives the test."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        raise HarnessError(f"{argv[0]} did not finish within {timeout}s")
    if proc.returncode != 0:
        raise HarnessError(f"{argv} exited {proc.returncode}: {err.strip()[-3000:]}")
    return out
