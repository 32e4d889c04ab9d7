# ctest-labels: slow fence cluster
# ctest-timeout: 300
"""Acceptance: in a one-host Pacemaker cluster, a fence_vmha_ipmi device
created with `pcs stonith create` fences a simulated host through
`stonith_admin --reboot`, and the simulated BMC sees off, then on."""

import os
import sys
import unittest

from vmha_lab.peers.bmc import Bmc
from vmha_lab.peers.cluster import Cluster
from vmha_lab.peers.proc import build_dir, wait_until

AGENT = os.path.join(build_dir(), "stonith", "fence_vmha_ipmi", "fence_vmha_ipmi")


class ClusterFencing(unittest.TestCase):
    def test_pcs_device_reboots_a_simulated_host(self):
        overlay = {"/usr/sbin": [("fence_vmha_ipmi", AGENT)]}
        with Cluster(n_hosts=1, name="fi1", subnet_index=31, overlay_agents=overlay) as c:
            # The BMC lives on the lab network, which the host reaches.
            with Bmc(addr=c.lab_addr, netns=c.lab_netns) as bmc:
                c.wait_online(timeout=60)
                h = c.hosts[0]
                desc = h.run(["pcs", "stonith", "describe", "fence_vmha_ipmi"])
                self.assertIn("lanplus", desc.stdout)
                h.run(["pcs", "stonith", "create", "bmc-sim1", "fence_vmha_ipmi",
                       f"ip={bmc.addr}", "username=admin", f"password={bmc.password}",
                       "pcmk_host_list=sim1", "power_wait=0"], timeout=60)
                wait_until(lambda: "bmc-sim1" in h.run(["stonith_admin", "-L"], check=False).stdout,
                           30, interval=0.2, what="the fencer to register bmc-sim1")
                cp = h.run(["stonith_admin", "--reboot", "sim1", "--timeout", "60"],
                           timeout=90, check=False)
                self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr + c.logs())
                self.assertEqual(bmc.events(), ["off", "on"])
                self.assertEqual(bmc.power, "on")
                history = h.run(["stonith_admin", "--history", "sim1"]).stdout
                print(history, file=sys.stderr)
                self.assertIn("reboot", history)


if __name__ == "__main__":
    unittest.main()
