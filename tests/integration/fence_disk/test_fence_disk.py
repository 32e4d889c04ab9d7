# ctest-labels: fence
# ctest-timeout: 300
"""fence_vmha_disk against loop devices formatted by the real sbd tool: every
action, one and three devices, interoperability both ways with `sbd`
(what the agent writes sbd lists; what sbd writes the agent reads),
stonith_admin, and the error cases (missing device 4, corrupt header 1,
unknown node 8) with one clear message each."""

import os
import socket
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_harness.checks import run_with_agents
from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.proc import build_dir, run
from vmha_lab.peers.sbdtool import sbd, sbd_list

AGENT = os.path.join(build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk")
RNG = "/usr/share/cluster/relaxng/metadata.rng"


def make_sbd_device(test, msgwait=1):
    dev = LoopDevice(size_mib=4)
    test.addCleanup(dev.close)
    sbd(dev.path, "-1", "1", "-4", str(msgwait), "create")
    return dev


class FenceDisk(unittest.TestCase):
    def setUp(self):
        self.dev = make_sbd_device(self)

    def agent(self, devices=None, **opts):
        opts.setdefault("devices", devices or self.dev.path)
        text = "".join(f"{k}={v}\n" for k, v in opts.items())
        return run([AGENT], input=text, timeout=60, check=False)

    def assertFailsWith(self, cp, code, words):
        self.assertEqual(cp.returncode, code, cp.stdout + cp.stderr)
        errors = [line for line in cp.stderr.splitlines() if "ERROR" in line]
        self.assertEqual(len(errors), 1, cp.stderr)
        self.assertIn(words, errors[0])

    def test_every_action_on_one_device(self):
        sbd(self.dev.path, "allocate", "node1")
        cp = self.agent(action="list")
        self.assertEqual((cp.returncode, cp.stdout), (0, "node1,node1\n"), cp.stderr)
        cp = self.agent(action="list-status")
        self.assertEqual((cp.returncode, cp.stdout), (0, "node1,node1,ON\n"))
        self.assertEqual(self.agent(action="monitor").returncode, 0)
        cp = self.agent(action="status", plug="node1")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"))
        start = time.monotonic()
        cp = self.agent(action="off", plug="node1")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered OFF\n"), cp.stderr)
        self.assertGreaterEqual(time.monotonic() - start, 1.0, "msgwait was not waited")
        cp = self.agent(action="status", plug="node1")
        self.assertEqual((cp.returncode, cp.stdout), (2, "Status: OFF\n"))
        cp = self.agent(action="on", plug="node1")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered ON\n"), cp.stderr)
        self.assertEqual(sbd_list(self.dev.path)["node1"][0], "clear")
        cp = self.agent(action="reboot", port="node1")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Rebooted\n"), cp.stderr)
        self.assertEqual(sbd_list(self.dev.path)["node1"][0], "reset")
        # nodename is Pacemaker's, never a target (fence-agents ignore it).
        cp = self.agent(action="reboot", plug="node1", nodename="node9", method="onoff")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(sbd_list(self.dev.path), {"node1": ("clear", socket.gethostname()[:63])})

    def test_what_the_agent_writes_sbd_reads(self):
        cp = self.agent(action="reboot", plug="newnode")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        sender = socket.gethostname()[:63]
        self.assertEqual(sbd_list(self.dev.path), {"newnode": ("reset", sender)})
        self.assertEqual(self.agent(action="off", plug="other").returncode, 0)
        self.assertEqual(sbd_list(self.dev.path)["other"], ("off", sender))
        dump = sbd(self.dev.path, "dump").stdout
        self.assertIn("Timeout (msgwait)  : 1", dump)

    def test_what_sbd_writes_the_agent_reads(self):
        sbd(self.dev.path, "allocate", "n2")
        for message, code, line in (("off", 2, "Status: OFF\n"), ("clear", 0, "Status: ON\n"),
                                    ("reset", 2, "Status: OFF\n")):
            sbd(self.dev.path, "-n", "peer", "message", "n2", message)
            cp = self.agent(action="status", plug="n2")
            self.assertEqual((cp.returncode, cp.stdout), (code, line), f"{message}: {cp.stderr}")
        sbd(self.dev.path, "-n", "peer", "message", "n2", "test")
        self.assertFailsWith(self.agent(action="status", plug="n2"), 8, "'test'")
        cp = self.agent(action="list-status")
        self.assertEqual(cp.stdout, "n2,n2,UNKNOWN\n")

    def test_three_devices_need_a_majority(self):
        devs = [self.dev, make_sbd_device(self), make_sbd_device(self)]
        paths = ",".join(d.path for d in devs)
        cp = self.agent(devices=paths, action="off", plug="n3")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        for d in devs:
            self.assertEqual(sbd_list(d.path)["n3"][0], "off")
        # One device gone: two of three still make a majority (with a warning).
        gone = devs[2].path
        devs[2].close()
        cp = self.agent(devices=paths, action="reboot", plug="n3")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn(gone, cp.stderr)
        self.assertEqual(sbd_list(devs[0].path)["n3"][0], "reset")
        # Two gone: no majority, nothing may claim success.
        devs[1].close()
        cp = self.agent(devices=paths, action="reboot", plug="n3")
        self.assertFailsWith(cp, 4, "only 1 of 3 sbd devices")

    def test_unreachable_device(self):
        path = self.dev.path
        self.dev.close()
        self.assertFailsWith(self.agent(devices=path, action="reboot", plug="n"), 4, path)

    def test_corrupt_header(self):
        self.dev.wipe_sector(0)
        cp = self.agent(action="reboot", plug="n")
        self.assertFailsWith(cp, 1, f"sbd -d {self.dev.path} create")
        cp = self.agent(action="list")
        self.assertFailsWith(cp, 1, "no sbd header")

    def test_unknown_node_and_missing_plug(self):
        self.assertFailsWith(self.agent(action="status", plug="ghost"), 8, "no slot")
        self.assertFailsWith(self.agent(action="off"), 2, "no target")
        self.assertFailsWith(self.agent(action="off", nodename="node1"), 2, "no target")

    def test_header_sbd_create_wrote_reads_as_sbd_dump_prints_it(self):
        dev = LoopDevice(size_mib=4)
        self.addCleanup(dev.close)
        sbd(dev.path, "-1", "7", "-2", "3", "-3", "2", "-4", "14", "create")
        dump = {}
        for line in sbd(dev.path, "dump").stdout.splitlines():
            key, sep, value = line.partition(":")
            if sep and not key.startswith("=="):
                dump[key.strip()] = value.strip()
        want = (f"sbd header version {dump.pop('Header version')}, UUID {dump.pop('UUID')}, "
                f"{dump.pop('Number of slots')} slots, sector size {dump.pop('Sector size')}, "
                f"timeouts watchdog {dump.pop('Timeout (watchdog)')}, "
                f"allocate {dump.pop('Timeout (allocate)')}, loop {dump.pop('Timeout (loop)')}, "
                f"msgwait {dump.pop('Timeout (msgwait)')}")
        self.assertEqual(dump, {}, "sbd dump printed a field this test does not compare")
        self.assertIn("msgwait 14", want)
        cp = self.agent(devices=dev.path, action="list", verbose="1")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn(f"{dev.path}: {want}", cp.stderr)

    def test_header_of_another_sector_size_is_refused(self):
        big = LoopDevice(size_mib=4, sector_size=4096)
        self.addCleanup(big.close)
        sbd(big.path, "-1", "1", "-4", "1", "create")
        self.assertEqual(self.agent(devices=big.path, action="list").returncode, 0)
        small = LoopDevice(backing=big.image)
        self.addCleanup(small.close)
        self.assertFailsWith(self.agent(devices=small.path, action="status", plug="n1"), 1,
                             "sector size 4096 but the device has 512")

    def test_metadata_validate_all_and_stonith_admin(self):
        cp = run([AGENT, "-o", "metadata"])
        path = os.path.join(self.dev.dir, "meta.xml")
        with open(path, "w") as f:
            f.write(cp.stdout)
        run(["xmllint", "--noout", "--relaxng", RNG, path])
        self.assertEqual(self.agent(action="validate-all").returncode, 0)
        self.assertFailsWith(self.agent(devices="/dev/nonexistent", action="validate-all"), 2,
                             "/dev/nonexistent does not exist")
        self.assertFailsWith(self.agent(devices="a,b,c,d", action="validate-all"), 2, "1 to 3")
        agents = {"fence_vmha_disk": AGENT}
        cp = run_with_agents(["stonith_admin", "-M", "-a", "fence_vmha_disk"], agents)
        self.assertEqual(ET.fromstring(cp.stdout).get("name"), "fence_vmha_disk")
        ok = run_with_agents(["stonith_admin", "--validate", "-a", "fence_vmha_disk",
                              "-o", f"devices={self.dev.path}"], agents, check=False)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        bad = run_with_agents(["stonith_admin", "--validate", "-a", "fence_vmha_disk",
                               "-o", "devices=/dev/nonexistent"], agents, check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("/dev/nonexistent does not exist", bad.stdout + bad.stderr)
        # fence_sbd's command-line form works too.
        cp = run([AGENT, f"--devices={self.dev.path}", "-n", "cli", "-o", "off"], check=False)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(sbd_list(self.dev.path)["cli"][0], "off")


if __name__ == "__main__":
    unittest.main()
