# ctest-labels: slow cluster
# ctest-timeout: 500
"""libvmha's cluster clients against a real Corosync + Pacemaker: AttrWriter
(node attributes through attrd), fail_resource (the controller's fail
request) and QuorumWatcher (Corosync's quorum API), each driven from inside
a cluster host by tests/tools/vmha_cluster_probe (an overlay on /usr/sbin)."""

import os
import queue
import re
import subprocess
import sys
import threading
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_lab.peers import proc
from vmha_lab.peers.cluster import Cluster

PROBE = os.path.join(proc.build_dir(), "tests", "tools", "vmha_cluster_probe")
OVERLAY = {"/usr/sbin": [("vmha_cluster_probe", PROBE)]}


def log(msg):
    print(f"[cluster ipc] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout):
    """wait_until that fails the test (rather than erroring it) on timeout."""
    try:
        return proc.wait_until(predicate, timeout, interval=0.05, what=what)
    except proc.HarnessError as e:
        raise AssertionError(str(e)) from None


class ProbeProcess:
    """A long-running vmha_cluster_probe inside a host: its output lines are
    collected by a thread, with the time.time() each arrived."""

    def __init__(self, host, argv):
        self.host = host
        self.lines = []  # (arrival time, line)
        self._queue = queue.Queue()
        self._p = subprocess.Popen(host.cmd(["vmha_cluster_probe"] + argv), env=host.env(),
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, bufsize=1)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        first = self.expect(lambda l: re.match(r"(ready|watching) pid \d+$", l), 20)
        self.pid = int(first.split()[-1])  # inside the host's PID namespace

    def _read(self):
        for line in self._p.stdout:
            self._queue.put((time.time(), line.rstrip("\n")))
        self._queue.put(None)

    def send(self, *commands):
        self._p.stdin.write("".join(c + "\n" for c in commands))
        self._p.stdin.flush()

    def expect(self, predicate, timeout):
        """The next line for which predicate holds; fails after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=max(0.0, left))
            except queue.Empty:
                item = False
            if item is None or item is False:
                tail = "\n".join(l for _, l in self.lines[-20:])
                why = "the probe exited" if item is None else f"nothing within {timeout}s"
                raise AssertionError(f"{why}; last lines:\n{tail}")
            self.lines.append(item)
            if predicate(item[1]):
                return item[1]

    def expect_at(self, predicate, timeout):
        """Like expect, but returns (arrival time, line)."""
        line = self.expect(predicate, timeout)
        return self.lines[-1][0], line

    def stats(self):
        self.send("stats")
        line = self.expect(lambda l: l.startswith("stats "), 10)
        return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}

    def close(self):
        """Ends the probe: stdin closed (a writer quits on that), then its
        PID inside the host if it is still running (quorum-watch)."""
        if self._p.poll() is None:
            try:
                self._p.stdin.close()
                self._p.wait(timeout=3)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                if self.host.alive():
                    self.host.run(["kill", str(self.pid)], check=False)
                self._p.wait(timeout=10)
        self._reader.join(timeout=10)
        self._p.stdout.close()


def acks(lines, name):
    """The (value, latency_us, kind) of every ack of name, in order."""
    out = []
    for _, line in lines:
        parts = line.split()
        if len(parts) == 5 and parts[0] == "ack" and parts[1] == name:
            out.append((parts[2], int(parts[3]), parts[4]))
    return out


class OneHost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROBE, os.X_OK):
            raise RuntimeError(f"{PROBE} is not built: build the vmha_cluster_probe target")
        cls.c = Cluster(n_hosts=1, name="pi1", subnet_index=41, overlay_agents=OVERLAY)
        try:
            cls.c.wait_online(timeout=60)
        except BaseException:
            cls.c.close()
            raise
        cls.h = cls.c.hosts[0]

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def run_probe(self, *argv, check=True):
        cp = self.h.run(["vmha_cluster_probe", *argv], check=False, timeout=60)
        if check:
            self.assertEqual(cp.returncode, 0, f"probe {argv}: {cp.stdout}{cp.stderr}")
        return cp

    def attrd_value(self, name):
        """attrd_updater's value of name on this host; None when unset."""
        cp = self.h.run(["attrd_updater", "-Q", "-n", name], check=False)
        m = re.search(r'value="([^"]*)"', cp.stdout)
        return m.group(1) if cp.returncode == 0 and m and m.group(1) != "" else None

    def cib_value(self, name):
        """The value of name in this host's transient attributes in the CIB."""
        status = ET.fromstring(self.c.cib_query("//status"))
        for nv in status.iter("nvpair"):
            if nv.get("name") == name:
                return nv.get("value")
        return None

    def crm_mon_node(self):
        cp = self.h.run(["crm_mon", "-A1", "--output-as=xml"], check=False)
        mon = ET.fromstring(cp.stdout) if cp.returncode == 0 else None
        if mon is None:
            return None, {}
        node = mon.find(f"nodes/node[@name='{self.h.name}']")
        attrs = {a.get("name"): a.get("value")
                 for a in mon.findall(f"node_attributes/node[@name='{self.h.name}']/attribute")}
        return node, attrs

    def attrd_pid(self):
        cp = self.h.run(["pidof", "pacemaker-attrd"], check=False)
        return int(cp.stdout.split()[0]) if cp.returncode == 0 and cp.stdout.strip() else None

    def test_values_reach_attrd_the_cib_and_crm_mon(self):
        cp = self.run_probe("set", "vmha-test-state", "running", "#health-vmha-storage", "yellow")
        self.assertIn("ack vmha-test-state running", cp.stdout)
        self.assertIn("ack #health-vmha-storage yellow", cp.stdout)
        try:
            wait("attrd_updater to show both values",
                 lambda: self.attrd_value("vmha-test-state") == "running"
                 and self.attrd_value("#health-vmha-storage") == "yellow", 10)
            wait("the CIB status section to hold both",
                 lambda: self.cib_value("vmha-test-state") == "running"
                 and self.cib_value("#health-vmha-storage") == "yellow", 10)
            wait("crm_mon -A to list vmha-test-state",
                 lambda: self.crm_mon_node()[1].get("vmha-test-state") == "running", 10)
            self.assertEqual(self.run_probe("query", "vmha-test-state").stdout.strip(),
                             "value running")
            self.assertEqual(self.run_probe("query", "#health-vmha-storage",
                                            self.h.name).stdout.strip(), "value yellow")
            self.assertEqual(self.run_probe("query", "vmha-test-never-set").stdout.strip(),
                             "unset")

            # crm_mon hides "#" attributes from its list but shows node
            # health once a strategy is set: red must turn the node red.
            self.h.run(["crm_attribute", "--type", "crm_config", "--name",
                        "node-health-strategy", "--update", "migrate-on-red"])
            self.run_probe("set", "#health-vmha-storage", "red")
            wait("crm_mon to show the node's health red",
                 lambda: (self.crm_mon_node()[0] is not None
                          and self.crm_mon_node()[0].get("health") == "red"), 10)
            self.run_probe("set", "#health-vmha-storage", "green")
            wait("crm_mon to show the node's health green",
                 lambda: (self.crm_mon_node()[0] is not None
                          and self.crm_mon_node()[0].get("health") == "green"), 10)

            self.run_probe("remove", "vmha-test-state")
            wait("the removal to reach attrd and the CIB",
                 lambda: self.attrd_value("vmha-test-state") is None
                 and self.cib_value("vmha-test-state") is None, 10)
            self.assertEqual(self.run_probe("query", "vmha-test-state").stdout.strip(), "unset")
            self.assertNotIn("vmha-test-state", self.crm_mon_node()[1])
        finally:
            self.h.run(["crm_attribute", "--type", "crm_config", "--name",
                        "node-health-strategy", "--delete"], check=False)
            self.run_probe("remove", "#health-vmha-storage", check=False)
            self.run_probe("remove", "vmha-test-state", check=False)

    def test_set_to_ack_latency(self):
        cp = self.run_probe("bench-ack", "300")
        m = re.search(r"n=(\d+) p50_us=(\d+) p99_us=(\d+) max_us=(\d+)", cp.stdout)
        self.assertIsNotNone(m, cp.stdout)
        n, p50, p99, worst = map(int, m.groups())
        log(f"set() to attrd's ack over {n}: p50 {p50 / 1000:.2f} ms, p99 {p99 / 1000:.2f} ms, "
            f"max {worst / 1000:.2f} ms")
        self.assertEqual(n, 300)
        # Issue 4 wants the attribute in the CIB within 100 ms at p99; the
        # ack comes before attrd's CIB write, so it must be well inside.
        self.assertLess(p99, 100_000)
        self.assertIsNone(self.attrd_value("vmha-bench-ack"))

    def test_many_sets_while_attrd_is_stalled_send_only_the_last(self):
        w = ProbeProcess(self.h, ["writer"])
        pid = self.attrd_pid()
        self.assertIsNotNone(pid)
        try:
            w.send("set vmha-test-burst start", "wait-idle 5000")
            w.expect(lambda l: l in ("idle", "busy"), 10)
            # attrd stopped: the first set is in flight, waiting for its
            # ack; the next 999 can only replace one another.
            self.h.run(["kill", "-STOP", str(pid)])
            try:
                w.send(*[f"set vmha-test-burst {i}" for i in range(1000)])
                # The probe reads its input in order: its stats come once it
                # has taken all 1000 (within libcrmcommon's 5 s ack wait).
                self.assertGreaterEqual(w.stats()["sets"], 1001)
            finally:
                self.h.run(["kill", "-CONT", str(pid)])
            w.send("wait-idle 10000")
            self.assertEqual(w.expect(lambda l: l in ("idle", "busy"), 20), "idle")
            burst = [v for v, _, _ in acks(w.lines, "vmha-test-burst")]
            self.assertEqual(burst[-1], "999", burst)
            # "start", then at most the one in flight during the stall, then 999.
            self.assertLessEqual(len(burst), 3, burst)
            stats = w.stats()
            self.assertGreaterEqual(stats["coalesced"], 997, stats)
            self.assertEqual(stats["failed"], 0, stats)
            wait("the final value in attrd and the CIB",
                 lambda: self.attrd_value("vmha-test-burst") == "999"
                 and self.cib_value("vmha-test-burst") == "999", 10)
        finally:
            w.send("remove vmha-test-burst", "wait-idle 5000")
            w.close()

    def test_writer_survives_attrd_restarts(self):
        w = ProbeProcess(self.h, ["writer"])
        try:
            w.send("set vmha-test-keep before", "wait-idle 5000")
            self.assertEqual(w.expect(lambda l: l in ("idle", "busy"), 10), "idle")

            # 1: attrd dies while the writer is idle. The writer notices on
            # its own, reconnects to the respawned attrd and re-sends.
            old = self.attrd_pid()
            t0 = time.monotonic()
            self.h.run(["kill", "-KILL", str(old)])
            wait("pacemakerd to respawn attrd",
                 lambda: self.attrd_pid() not in (None, old), 30)
            w.expect(lambda l: l.startswith("ack vmha-test-keep before ") and l.endswith("resend"),
                     30)
            log(f"idle writer re-sent its value {time.monotonic() - t0:.2f} s after attrd died")
            wait("the re-sent value in attrd and the CIB",
                 lambda: self.attrd_value("vmha-test-keep") == "before"
                 and self.cib_value("vmha-test-keep") == "before", 15)

            # 2: a value set while attrd is gone is kept and sent when it is back.
            old = self.attrd_pid()
            self.h.run(["kill", "-KILL", str(old)])
            w.send("set vmha-test-during outage")
            wait("pacemakerd to respawn attrd",
                 lambda: self.attrd_pid() not in (None, old), 30)
            w.send("wait-idle 20000")
            self.assertEqual(w.expect(lambda l: l in ("idle", "busy"), 30), "idle")
            wait("both values in attrd and the CIB",
                 lambda: self.attrd_value("vmha-test-during") == "outage"
                 and self.attrd_value("vmha-test-keep") == "before"
                 and self.cib_value("vmha-test-during") == "outage"
                 and self.cib_value("vmha-test-keep") == "before", 15)
            stats = w.stats()
            self.assertGreaterEqual(stats["connects"], 3, stats)
            self.assertGreaterEqual(stats["resends"], 2, stats)
            self.assertEqual(stats["connected"], 1, stats)
        finally:
            w.send("remove vmha-test-keep", "remove vmha-test-during", "wait-idle 5000")
            w.close()

    def lrm_ops(self, rsc):
        """{operation key: (operation, call-id, rc-code)} of rsc's history."""
        try:
            xml = self.c.cib_query(f"//lrm_resource[@id='{rsc}']")
        except proc.HarnessError:
            return {}
        return {o.get("id"): (o.get("operation"), int(o.get("call-id")), o.get("rc-code"))
                for o in ET.fromstring(xml).iter("lrm_rsc_op")}

    def test_fail_resource_makes_the_cluster_recover_at_once(self):
        rsc = "ipc-dummy"
        # With a 60 s monitor, only the fail request can explain a recovery
        # within seconds.
        self.h.run(["cibadmin", "-C", "-o", "resources", "--xml-text",
                    f'<primitive id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">'
                    f'<operations><op id="{rsc}-monitor-60s" name="monitor" interval="60s"/>'
                    "</operations></primitive>"])
        try:
            def started():
                ops = self.lrm_ops(rsc).values()
                starts = [cid for op, cid, rc in ops if op == "start" and rc == "0"]
                monitored = any(op == "monitor" and rc == "0" for op, _, rc in ops)
                return max(starts) if starts and monitored else None
            first_start = wait(f"{rsc} started and monitored", started, 30)

            t0 = time.monotonic()
            cp = self.run_probe("fail", rsc, self.h.name, "ocf", "pacemaker", "Dummy", "5000")
            self.assertIn(f"failed {rsc} on {self.h.name}", cp.stdout)

            def restarted():
                ops = self.lrm_ops(rsc).values()
                return any(op == "start" and rc == "0" and cid > first_start
                           for op, cid, rc in ops)
            wait(f"a new start of {rsc}", restarted, 5)
            seconds = time.monotonic() - t0
            log(f"fail_resource to the new start in the CIB: {seconds * 1000:.0f} ms")
            self.assertLess(seconds, 3)
            # A pending op (call-id -1, rc 193: the new monitor being
            # recorded) has not failed.
            failed = [op for op, cid, rc in self.lrm_ops(rsc).values() if rc != "0" and cid != -1]
            self.assertEqual(failed, ["asyncmon"])  # the simulated failure
            # Pacemaker 2.1.5 may count one fail request twice (crm_resource
            # --fail does the same here): the count rose, by how much is its.
            cp = self.h.run(["crm_failcount", "--query", "-r", rsc, "-N", self.h.name])
            count = re.search(r"value=(\d+)", cp.stdout)
            self.assertIsNotNone(count, cp.stdout)
            self.assertIn(int(count.group(1)), (1, 2), cp.stdout)

            # Refused before reaching the controller: unknown id, wrong agent.
            cp = self.run_probe("fail", "ipc-no-such", "-", "ocf", "pacemaker", "Dummy",
                                check=False)
            self.assertEqual(cp.returncode, 1)
            self.assertIn("ipc-no-such is not in the CIB", cp.stderr)
            cp = self.run_probe("fail", rsc, "-", "ocf", "heartbeat", "Dummy", check=False)
            self.assertEqual(cp.returncode, 1)
            self.assertIn("is ocf:pacemaker:Dummy, not ocf:heartbeat:Dummy", cp.stderr)
            self.assertEqual(self.lrm_ops("ipc-no-such"), {})
            # A node the cluster does not have never answers: bounded.
            t0 = time.monotonic()
            cp = self.run_probe("fail", rsc, "ipc-no-such-node", "ocf", "pacemaker", "Dummy",
                                "1500", check=False)
            self.assertEqual(cp.returncode, 1)
            self.assertIn("timed out", cp.stderr)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            self.h.run(["crm_resource", "--resource", rsc, "--set-parameter", "target-role",
                        "--meta", "--parameter-value", "Stopped"], check=False)
            wait(f"{rsc} stopped", lambda: any(
                op == "stop" for op, _, _ in self.lrm_ops(rsc).values()), 30)
            self.h.run(["cibadmin", "-D", "-o", "resources", "--xml-text",
                        f'<primitive id="{rsc}"/>'], check=False)
            self.h.run(["crm_resource", "--cleanup", "--resource", rsc], check=False)

    def test_node_name(self):
        self.assertEqual(self.run_probe("node-name").stdout.strip(), self.h.name)


class ThreeHosts(unittest.TestCase):
    def test_quorum_watcher_follows_partition_heal_and_corosync_restart(self):
        if not os.access(PROBE, os.X_OK):
            self.fail(f"{PROBE} is not built: build the vmha_cluster_probe target")
        with Cluster(n_hosts=3, name="pi3", subnet_index=43, overlay_agents=OVERLAY) as c:
            c.wait_online(timeout=90)
            h3 = c.hosts[2]
            watch = ProbeProcess(h3, ["quorum-watch", "120"])
            try:
                watch.expect(lambda l: l.startswith("quorate 1 "), 10)

                t0 = time.time()
                h3.partition()
                at, line = watch.expect_at(lambda l: l.startswith("quorate "), 30)
                self.assertTrue(line.startswith("quorate 0 members 1 "), line)
                printed = float(line.split()[-1])
                log(f"partition: quorum loss reported {printed - t0:.2f} s after the cut")
                self.assertLess(printed - t0, 5)
                self.assertFalse(h3.quorate())

                t0 = time.time()
                h3.heal()
                at, line = watch.expect_at(lambda l: l.startswith("quorate "), 30)
                self.assertTrue(line.startswith("quorate 1 members 3 "), line)
                log(f"heal: quorum back {float(line.split()[-1]) - t0:.2f} s after the cable")
                self.assertLess(float(line.split()[-1]) - t0, 10)

                # corosync killed: not quorate at once, and the watcher
                # reconnects by itself once a new corosync runs.
                pid = h3.run(["pidof", "corosync"]).stdout.split()[0]
                h3.run(["kill", "-KILL", pid])
                watch.expect(lambda l: l.startswith("quorate 0 "), 10)
                watch.expect(lambda l: l.startswith("disconnected "), 10)
                h3.run(["corosync"])
                line = watch.expect(lambda l: l.startswith("quorate 1 "), 30)
                log(f"corosync restarted: watcher reconnected ({line})")
            finally:
                watch.close()


if __name__ == "__main__":
    unittest.main()
