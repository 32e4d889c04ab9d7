# ctest-labels: fence
# ctest-timeout: 120
"""fence_vmha_disk on a host that runs syslog. The test machine has no
/dev/log, so the agent's syslog socket never exists there; here a private
mount namespace gives it one. The agent's disk worker (a forked child)
moves its pipes onto low fds, where glibc's syslog socket sits: a reboot
must still be reported, and its log lines reach syslog."""

import json
import os
import sys
import unittest

from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.proc import build_dir, run
from vmha_lab.peers.sbdtool import sbd, sbd_list

AGENT = os.path.join(build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk")
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "with_syslog.py")


class FenceDiskWithSyslog(unittest.TestCase):
    def test_reboot_is_reported_and_logged_with_syslog_present(self):
        dev = LoopDevice(size_mib=4)
        self.addCleanup(dev.close)
        sbd(dev.path, "-1", "1", "-4", "1", "create")
        stdin_text = f"action=reboot\nplug=node1\ndevices={dev.path}\n"
        cp = run(["unshare", "--mount", "--propagation", "private", sys.executable, HELPER,
                  AGENT, dev.path, stdin_text], timeout=90, check=False)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        out = json.loads(cp.stdout)
        self.assertEqual((out["rc"], out["stdout"]), (0, "Success: Rebooted\n"), out["stderr"])
        self.assertEqual(sbd_list(dev.path)["node1"][0], "reset")
        writing = [line for line in out["syslog"] if "fence_vmha_disk" in line and "writing reset" in line]
        self.assertTrue(writing, f"the disk worker's log line did not reach syslog: {out['syslog']}")


if __name__ == "__main__":
    unittest.main()
