# ctest-labels: slow cluster storage
# ctest-timeout: 400
"""vmha-eventd's storage side run by Pacemaker (ocf:vmha:EventDaemon): the
heartbeat on a shared path that can be made to hang turns
#health-vmha-storage yellow, red and green again, and a poison pill written
by fence_vmha_disk or by the real `sbd message` makes the node fence itself
through the configured command."""

import os
import sys
import time
import unittest

from vmha_harness import checks
from vmha_harness.hangdisk import HangableDisk
from vmha_lab.peers import disk, proc
from vmha_lab.peers.eventd_bed import EventdBed
from vmha_lab.peers.sbdtool import sbd

MSGWAIT = 2


def log(msg):
    print(f"[eventd storage] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=20, interval=0.05):
    return checks.expect_within(what, predicate, timeout, interval)


class EventDaemonStorageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hang = HangableDisk(cls.tmpdir(), size_mib=8, name="hb")
        cls.addClassCleanup(cls.hang.close)
        cls.hang.start()
        # The pill disk can hang too: storage lost together with quorum.
        cls.pill = HangableDisk(cls._tmp, size_mib=8, name="pill")
        cls.addClassCleanup(cls.pill.close)
        cls.pill.start()
        sbd(cls.pill.path, "-1", "1", "-4", str(MSGWAIT), "create")
        cls.marker = os.path.join(cls._tmp, "fenced")
        script = os.path.join(cls._tmp, "self-fence")
        with open(script, "w") as f:
            f.write(f'#!/bin/sh\necho "$VMHA_SELF_FENCE $VMHA_SELF_FENCE_REASON" >> {cls.marker}\n')
        os.chmod(script, 0o755)
        cls.bed = EventdBed(name="ev2", subnet_index=33, listen_addr="127.0.0.97",
                            migration_ports=(49540, 49555), eventd_params=[
                                f"heartbeat_paths={cls.hang.path}", "heartbeat_interval=500",
                                "heartbeat_timeout=1000", "yellow_after=1", "red_after=3",
                                f"pill_devices={cls.pill.path}", "pill_interval=500",
                                "self_fence=command", f"self_fence_command={script}",
                                "watchdog_timeout=2000"],
                            # As the README configures it: running on without quorum.
                            eventd_meta=["requires=nothing"])
        cls.bed.__enter__()
        cls.addClassCleanup(cls.bed.close)
        cls.host = cls.bed.host

    @classmethod
    def tmpdir(cls):
        import tempfile
        cls._tmp = tempfile.mkdtemp(prefix="vmha-eventd-storage-")
        cls.addClassCleanup(proc.run, ["rm", "-rf", cls._tmp])
        return cls._tmp

    def fenced(self):
        try:
            with open(self.marker) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def assertJournal(self, subject, what_prefix, **kw):
        self.assertTrue(self.bed.journal_rows(subject, what_prefix, **kw),
                        f"no journal entry {subject}: {what_prefix}* {kw}")

    def self_fenced_ok(self):
        return self.bed.journal_rows(self.host.name, "self-fence", kind="action", outcome="ok")

    def restart_daemon(self):
        """A node that fenced itself is gone; here the daemon lives on, so a
        restart gives the next test a fresh watcher (which clears the slot)."""
        self.host.run(["crm_resource", "--restart", "-r", "eventd"], timeout=60)
        wait("eventd to run again", lambda: self.bed.started("eventd"), 30)

    def test_hung_heartbeat_path_turns_health_yellow_red_and_green(self):
        wait("a green heartbeat", lambda: self.bed.attr("#health-vmha-storage") == "green", 20)
        t0 = time.monotonic()
        self.hang.hang()
        try:
            wait("yellow", lambda: self.bed.attr("#health-vmha-storage") in ("yellow", "red"), 10)
            yellow = time.monotonic() - t0
            wait("red", lambda: self.bed.attr("#health-vmha-storage") == "red", 15)
            red = time.monotonic() - t0
            log(f"path hung -> yellow {yellow:.1f} s, red {red:.1f} s (interval 0.5 s, timeout 1 s, red after 3)")
        finally:
            self.hang.resume()
        t1 = time.monotonic()
        wait("green again", lambda: self.bed.attr("#health-vmha-storage") == "green", 15)
        log(f"path answers -> green {time.monotonic() - t1:.1f} s")
        for colour in ("yellow", "red", "green"):
            self.assertJournal(self.hang.path, f"heartbeat {colour}", kind="detection")
            self.assertJournal(self.host.name, f"#health-vmha-storage={colour}", kind="state")

    def test_paused_guest_resumes_only_once_the_heartbeat_succeeds(self):
        nbd, image, cleanup = self.bed.add_guest("hbgate", resume_behavior="auto_resume")
        self.addCleanup(cleanup)
        wait("the guest to write", lambda: (disk.latest_counter(image) or 0) >= 3, 45, 0.2)
        wait("a green heartbeat", lambda: self.bed.attr("#health-vmha-storage") == "green", 20)
        # The shared storage fails: the heartbeat path and the guest's disk.
        self.hang.fail_on()
        try:
            nbd.fail_on()
            wait("the guest to pause", lambda: self.bed.domstate("hbgate") == "paused (I/O error)", 20)
            wait("red", lambda: self.bed.attr("#health-vmha-storage") == "red", 15)
            # The guest's disk answers again but the heartbeat does not yet:
            # no resume (without a heartbeat the daemon would retry at once).
            nbd.fail_off()
            end = time.monotonic() + 4
            while time.monotonic() < end:
                self.assertEqual(self.bed.domstate("hbgate"), "paused (I/O error)", "resumed on a red heartbeat")
                time.sleep(0.25)
            self.assertEqual(self.bed.attr("vmha-guest-hbgate"), "paused-io")
        finally:
            self.hang.fail_off()
        t0 = time.monotonic()
        wait("green", lambda: self.bed.attr("#health-vmha-storage") == "green", 15)
        green = time.monotonic() - t0
        wait("the resume", lambda: self.bed.domstate("hbgate").startswith("running"), 15)
        after = time.monotonic() - t0 - green
        log(f"heartbeat back -> green seen {green:.1f} s, guest running {after * 1000:.0f} ms later (polled)")
        self.assertLess(after, 5, "resume long after the heartbeat succeeded")
        self.assertJournal("hbgate", "resume", kind="action", outcome="ok")
        self.assertJournal(self.hang.path, "heartbeat green", kind="detection")

    def test_pill_from_fence_vmha_disk_fences_the_node(self):
        agent = os.path.join(proc.build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk")
        sent = time.monotonic()
        cp = proc.run([agent], input=f"action=reboot\ndevices={self.pill.path}\nplug={self.host.name}\n",
                      timeout=60, check=False)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        # The sender reports success once msgwait is over and takes the node
        # for dead: by then it must have fenced itself.
        self.assertTrue(self.fenced().startswith("reset"),
                        f"not fenced when fence_vmha_disk returned; daemon log:\n{self.bed.daemon_log()[-3000:]}")
        log(f"fence_vmha_disk returned after {time.monotonic() - sent:.1f} s, node already fenced")
        wait("the self-fence in the journal", self.self_fenced_ok, 10)
        rows = self.self_fenced_ok()
        self.assertIn("poison pill", rows[-1]["detail"])
        self.restart_daemon()

    def test_pill_from_sbd_fences_the_node(self):
        before = self.fenced().count("reset")
        journalled = len(self.self_fenced_ok())
        sbd(self.pill.path, "message", self.host.name, "reset")
        wait("the self-fence command", lambda: self.fenced().count("reset") > before, 10)
        wait("the self-fence in the journal", lambda: len(self.self_fenced_ok()) > journalled, 10)
        self.restart_daemon()

    def test_storage_and_quorum_both_lost_fences_storage_alone_does_not(self):
        before = self.fenced().count("reset")
        self.pill.hang()
        try:
            # Storage lost but quorate: stay up (the majority keeps the node).
            end = time.monotonic() + 4
            while time.monotonic() < end:
                self.assertEqual(self.fenced().count("reset"), before, "fenced while quorate")
                time.sleep(0.25)
            # Pacemaker's default no-quorum-policy=stop stays: requires=nothing
            # keeps the daemon running in a partition that lost quorum.
            self.assertEqual(self.host.run(["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy",
                                            "-q", "-G"], check=False).stdout.strip() or "stop", "stop")
            self.host.run(["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "2"])
            try:
                lost = time.monotonic()
                try:
                    wait("the self-fence", lambda: self.fenced().count("reset") > before, 15)
                except AssertionError as e:
                    raise AssertionError(f"{e}\ndaemon log:\n{self.bed.daemon_log()[-3000:]}") from None
                took = time.monotonic() - lost
                log(f"storage and quorum lost -> self-fence after {took:.1f} s (watchdog_timeout 2 s)")
                self.assertGreaterEqual(took, 1.5, "not before the watchdog timeout")
                self.assertIn("storage and quorum", self.fenced().splitlines()[-1])
                self.assertJournal("pill devices", "poison-pill disks unreachable", kind="detection")
                wait("the self-fence in the journal", lambda: any(
                    "storage and quorum" in r["detail"] for r in self.self_fenced_ok()), 10)
                # Still running without quorum, as requires=nothing promises.
                end = time.monotonic() + 3
                while time.monotonic() < end:
                    self.assertTrue(self.bed.started("eventd"), "eventd stopped for lack of quorum")
                    time.sleep(0.5)
            finally:
                self.host.run(["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "1"])
        finally:
            self.pill.resume()
        self.restart_daemon()
