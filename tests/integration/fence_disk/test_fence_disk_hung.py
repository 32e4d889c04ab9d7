# ctest-labels: fence
# ctest-timeout: 180
"""fence_vmha_disk exits on time when a device's I/O hangs in the kernel
(D state, via the hangdisk harness): its disk I/O runs in a forked child,
and only that child stays behind stuck, so the fencer waiting for the
agent's exit status (and the EOF of its output) does not wait for the
kernel. status on the hung device alone times out (exit 5); a reboot with
two good loop devices and the hung one still succeeds on the majority."""

import ctypes
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from vmha_harness.hangdisk import HangableDisk
from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.proc import build_dir, wait_until
from vmha_lab.peers.sbdtool import sbd, sbd_list

AGENT = os.path.realpath(os.path.join(build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk"))
IO_TIMEOUT = 1
MSGWAIT = 1
EXIT_TIMED_OUT = 5


PR_SET_CHILD_SUBREAPER = 36


def set_subreaper(on):
    """As a subreaper, the agent's orphaned disk child becomes our child: we
    can find it without mistaking other runs' agents for it, and reap it."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def agent_children():
    """Our children running the agent (its orphaned disk child, here)."""
    pids = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except (OSError, ValueError):
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == os.getpid() and comm == os.path.basename(AGENT)[:15]:
            pids.append(int(name))
    return pids


def reaped(pid):
    return os.waitpid(pid, os.WNOHANG)[0] == pid


class HungDevice(unittest.TestCase):
    def setUp(self):
        set_subreaper(True)
        self.addCleanup(set_subreaper, False)
        tmp = tempfile.mkdtemp(prefix="vmha-fence-hung-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.hung = HangableDisk(tmp, size_mib=8)
        self.addCleanup(self.hung.close)
        self.hung.start()
        sbd(self.hung.path, "-1", "1", "-4", str(MSGWAIT), "create")
        sbd(self.hung.path, "allocate", "node1")

    def run_agent(self, devices, **opts):
        """Runs the agent to its exit and EOF on its output; returns the exit
        code, stderr, seconds taken and the agent's pid."""
        opts.update(devices=",".join(devices), io_timeout=IO_TIMEOUT)
        text = "".join(f"{k}={v}\n" for k, v in opts.items())
        start = time.monotonic()
        p = subprocess.Popen([AGENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        _, err = p.communicate(text, timeout=60)  # returns at exit and EOF of both pipes
        return p.returncode, err, time.monotonic() - start, p.pid

    def assertChildStuckThenGone(self, parent):
        """The parent is gone while its disk child stays stuck in the kernel;
        the child ends once the device answers again."""
        self.assertFalse(os.path.exists(f"/proc/{parent}"), "the agent itself is still there")
        stuck = agent_children()
        self.assertEqual(len(stuck), 1, f"expected one stuck disk child, found {stuck}")
        self.assertFalse(reaped(stuck[0]), "the disk child ended while its device still hangs")
        self.hung.resume()
        wait_until(lambda: reaped(stuck[0]), 20, what="the disk child to end once resumed")

    def test_status_on_a_hung_device_times_out_on_time(self):
        self.hung.hang()
        code, err, took, pid = self.run_agent([self.hung.path], action="status", plug="node1")
        self.assertEqual(code, EXIT_TIMED_OUT, err)
        # The agent's own bound is io_timeout + 1 s; one more second of
        # slack for process start and the disk child on a loaded machine.
        self.assertLessEqual(took, IO_TIMEOUT + 2, err)
        self.assertIn(self.hung.path, err)
        self.assertChildStuckThenGone(pid)

    def test_reboot_succeeds_on_the_majority_beside_a_hung_device(self):
        good = []
        for _ in range(2):
            dev = LoopDevice(size_mib=4)
            self.addCleanup(dev.close)
            sbd(dev.path, "-1", "1", "-4", str(MSGWAIT), "create")
            good.append(dev)
        self.hung.hang()
        # The hung device first, so every later I/O has to get past it.
        code, err, took, pid = self.run_agent([self.hung.path] + [d.path for d in good],
                                              action="reboot", plug="node1", method="cycle")
        self.assertEqual(code, 0, err)
        # One I/O timeout on the hung device, msgwait, and two seconds for
        # the rest on a loaded machine.
        self.assertLessEqual(took, IO_TIMEOUT + MSGWAIT + 2, err)
        self.assertGreaterEqual(took, MSGWAIT, "msgwait was not waited")
        self.assertIn(self.hung.path, err)
        for d in good:
            self.assertEqual(sbd_list(d.path)["node1"][0], "reset")
        self.assertChildStuckThenGone(pid)


if __name__ == "__main__":
    unittest.main()
