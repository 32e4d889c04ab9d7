# ctest-labels: slow cluster
# ctest-timeout: 400
"""The cluster harness itself, against real corosync + pacemaker: hosts come
online, resources start, partitions and power cuts are seen by the others,
and nothing the harness made outlives close(), a failure or a SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from vmha_lab.peers import cluster_net
from vmha_lab.peers.cluster import Cluster, sweep_orphans
from vmha_lab.peers.cluster_host import pids_in_pidns, pidns_inode
from vmha_lab.peers.proc import HarnessError, pid_alive, run, wait_until


def log(msg):
    print(f"[cluster harness] {msg}", file=sys.stderr, flush=True)


def root_links():
    return run([cluster_net.IP, "-o", "link", "show"]).stdout.split("\n")


def footprint(c):
    """What a live cluster owns, taken before close() so that afterwards we
    can check each piece is gone."""
    names = [c.lab_netns] + [h.netns for h in c.hosts]
    return {
        "netns": names,
        "netns_inodes": [os.stat(os.path.join(cluster_net.NETNS_DIR, n)).st_ino for n in names],
        "init_pids": [h.init_pid for h in c.hosts if h.alive()],
        "pidns": [pidns_inode(h.init_pid) for h in c.hosts if h.alive()],
        "tmpdir": c.tmpdir,
    }


def processes_in_netns(inodes):
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if os.stat(f"/proc/{p}/ns/net").st_ino in inodes:
                found.append(int(p))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


class CleanupAssertions:
    def assert_gone(self, fp, links_before):
        listed = run([cluster_net.IP, "netns", "list"]).stdout
        with open("/proc/mounts") as f:
            mounts = f.read()
        for name in fp["netns"]:
            self.assertNotIn(name, listed)
            self.assertFalse(cluster_net.netns_exists(name), name)
            self.assertNotIn(name, mounts)
        self.assertNotIn(fp["tmpdir"], mounts)
        self.assertFalse(os.path.exists(fp["tmpdir"]), fp["tmpdir"])
        for pid in fp["init_pids"]:
            self.assertFalse(pid_alive(pid), f"host PID 1 {pid} survived")
        for ns in fp["pidns"]:
            self.assertEqual(pids_in_pidns(ns), [], "processes left in a host's PID namespace")
        self.assertEqual(processes_in_netns(set(fp["netns_inodes"])), [],
                         "processes left in a cluster network namespace")
        # Bridges and veths live only inside the deleted namespaces; the
        # machine's own interfaces must be exactly as before.
        self.assertEqual(root_links(), links_before)


def resource_nodes(c, rsc_id, host):
    """Hosts where crm_mon (as seen by host) shows rsc_id Started."""
    mon = c.crm_mon(host)
    if mon is None:
        return []
    return [n.get("name") for r in mon.iter("resource")
            if r.get("id") == rsc_id and r.get("role") == "Started"
            for n in r.findall("node")]


class SingleHost(unittest.TestCase, CleanupAssertions):
    def test_online_as_dc_and_runs_resources(self):
        links = root_links()
        # The real Dummy agent under a provider name that exists only inside
        # the hosts, so the overlay is exercised by Pacemaker itself.
        overlay = {"/usr/lib/ocf/resource.d/vmhatest":
                   [("Echo", "/usr/lib/ocf/resource.d/pacemaker/Dummy")]}
        with Cluster(n_hosts=1, name="ch1", subnet_index=11, overlay_agents=overlay) as c:
            h = c.hosts[0]
            self.assertEqual(h.name, "ch1-h1")
            c.wait_online(timeout=60)
            log(f"1 host: online as DC {c.formation_seconds:.1f} s after boot")
            self.assertLess(c.formation_seconds, 30)

            mon = c.crm_mon(h)
            node = mon.find("nodes/node[@name='ch1-h1']")
            self.assertIsNotNone(node)
            self.assertEqual(node.get("online"), "true")
            self.assertEqual(node.get("is_dc"), "true")
            self.assertEqual(mon.find("summary/current_dc").get("name"), "ch1-h1")
            self.assertEqual(h.run(["hostname"]).stdout.strip(), "ch1-h1")
            self.assertEqual(h.run(["crm_node", "-n"]).stdout.strip(), "ch1-h1")
            self.assertTrue(h.quorate())
            self.assertIn('name="stonith-enabled" value="false"',
                          c.cib_query("//crm_config"))

            self.assertEqual(h.run(["test", "-x", "/usr/lib/ocf/resource.d/vmhatest/Echo"],
                                   check=False).returncode, 0, "overlay agent not visible inside")
            self.assertFalse(os.path.exists("/usr/lib/ocf/resource.d/vmhatest"),
                             "the overlay leaked onto the machine")

            for rid, provider, agent in (("d1", "pacemaker", "Dummy"), ("e1", "vmhatest", "Echo")):
                c.run_on_dc(["cibadmin", "-C", "-o", "resources", "--xml-text",
                             f'<primitive id="{rid}" class="ocf" provider="{provider}" '
                             f'type="{agent}"/>'])
            for rid in ("d1", "e1"):
                wait_until(lambda: resource_nodes(c, rid, h) == ["ch1-h1"], 30,
                           interval=0.2, what=f"{rid} Started on ch1-h1")
            fp = footprint(c)
        self.assert_gone(fp, links)
        c.close()  # idempotent: a second close finds nothing to do

    def test_two_clusters_coexist(self):
        links = root_links()
        with Cluster(n_hosts=1, name="ch6", subnet_index=16) as a, \
                Cluster(n_hosts=1, name="ch7", subnet_index=17) as b:
            a.wait_online(timeout=60)
            b.wait_online(timeout=60)
            self.assertEqual(set(a.nodes()), {"ch6-h1"})
            self.assertEqual(set(b.nodes()), {"ch7-h1"})
            self.assertNotEqual(a.hosts[0].addr, b.hosts[0].addr)
            fps = [footprint(a), footprint(b)]
        for fp in fps:
            self.assert_gone(fp, links)

    def test_failure_inside_with_block_still_cleans_up(self):
        links = root_links()
        with self.assertRaises(RuntimeError):
            with Cluster(n_hosts=1, name="ch2", subnet_index=12) as c:
                c.wait_online(timeout=60)
                fp = footprint(c)
                raise RuntimeError("a test failed here")
        self.assert_gone(fp, links)

    def test_failed_construction_leaves_nothing(self):
        links = root_links()
        bad = {"/usr/sbin": [("fence_missing", "/nonexistent/fence_missing")]}
        with self.assertRaises(HarnessError):
            Cluster(n_hosts=2, name="ch3", subnet_index=13, overlay_agents=bad)
        mine = f"{cluster_net.PREFIX}{os.getpid()}-ch3-"
        self.assertEqual([n for n in cluster_net.list_netns() if n.startswith(mine)], [])
        self.assertEqual([d for d in os.listdir(tempfile.gettempdir()) if d.startswith(mine)], [])
        self.assertEqual(root_links(), links)


class ThreeHosts(unittest.TestCase, CleanupAssertions):
    def test_partition_heal_and_power_cut(self):
        links = root_links()
        with Cluster(n_hosts=3, name="ch4", subnet_index=14, stonith_enabled=False) as c:
            h1, h2, h3 = c.hosts
            c.wait_online(timeout=90)
            log(f"3 hosts: quorate with a DC {c.formation_seconds:.1f} s after boot")
            self.assertLess(c.formation_seconds, 45)
            for h in c.hosts:
                self.assertTrue(h.quorate(), h.name)
                self.assertEqual(set(c.nodes(h)), {"ch4-h1", "ch4-h2", "ch4-h3"})

            def lost(observer, name):
                node = c.nodes(observer).get(name, {})
                return node.get("online") == "false" or node.get("unclean") == "true"

            t0 = time.monotonic()
            h3.partition()
            wait_until(lambda: lost(h1, "ch4-h3") and lost(h2, "ch4-h3"), 30,
                       interval=0.1, what="h1 and h2 to see ch4-h3 lost")
            log(f"partition of one host seen by the others in {time.monotonic() - t0:.1f} s")
            self.assertTrue(h1.quorate())
            self.assertTrue(h2.quorate())
            wait_until(lambda: not h3.quorate(), 30, what="ch4-h3 to lose quorum")

            t0 = time.monotonic()
            h3.heal()
            c.wait_online(timeout=60)
            log(f"healed host back online in {time.monotonic() - t0:.1f} s")
            self.assertTrue(h3.quorate())
            fp = footprint(c)  # all three up: h2's processes must be gone too

            t0 = time.monotonic()
            h2.power_off()
            self.assertFalse(h2.alive())
            wait_until(lambda: lost(h1, "ch4-h2") and lost(h3, "ch4-h2"), 30,
                       interval=0.1, what="h1 and h3 to see ch4-h2 lost")
            log(f"power cut of one host seen by the others in {time.monotonic() - t0:.1f} s")
            self.assertTrue(h1.quorate())
            self.assertIsNotNone(c.dc(h1))

            # Power back on: a new PID 1 with the host's state kept (as a
            # disk would), joining the others again.
            h2.power_on()
            self.assertNotIn(h2.init_pid, fp["init_pids"])
            t0 = time.monotonic()
            c.wait_online(timeout=60)
            log(f"powered-on host back online in {time.monotonic() - t0:.1f} s")
            self.assertTrue(h2.quorate())
            fp["init_pids"].append(h2.init_pid)
            fp["pidns"].append(pidns_inode(h2.init_pid))
        self.assert_gone(fp, links)


CHILD = """
import json, sys, time
from vmha_lab.peers.cluster import Cluster
c = Cluster(n_hosts=2, name="ch5", subnet_index=15)
c.wait_online(timeout=60)
fp = {"netns": [c.lab_netns] + [h.netns for h in c.hosts],
      "init_pids": [h.init_pid for h in c.hosts], "tmpdir": c.tmpdir}
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump(fp, f)
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
"""


class KilledTestProcess(unittest.TestCase):
    def test_sigkill_leaves_no_host_and_sweep_removes_names(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "footprint.json")
            child = subprocess.Popen([sys.executable, "-c", CHILD, out],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_until(lambda: os.path.exists(out) or child.poll() is not None, 90,
                           interval=0.2, what="the child's cluster to come online")
                self.assertIsNone(child.poll(), "the child test process died by itself")
                with open(out) as f:
                    fp = json.load(f)
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
        # The hosts die with the test process (PDEATHSIG + --kill-child).
        for pid in fp["init_pids"]:
            wait_until(lambda: not pid_alive(pid), 10, what=f"orphaned host PID 1 {pid} to die")
        # Names and files stay until a harness run (this one) sweeps them.
        sweep_orphans()
        for n in fp["netns"]:
            self.assertFalse(cluster_net.netns_exists(n), n)
        self.assertFalse(os.path.exists(fp["tmpdir"]))


if __name__ == "__main__":
    unittest.main()
