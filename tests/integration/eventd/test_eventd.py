# ctest-labels: slow cluster
# ctest-timeout: 600
"""vmha-eventd run by Pacemaker (ocf:vmha:EventDaemon) in a real one-host
cluster, beside ocf:vmha:VirtualMachine guests of a private libvirtd whose
disks are NBD exports with injectable I/O errors. Guest monitors run every
60 s, so whatever happens within seconds is the daemon's doing."""

import json
import os
import signal
import sqlite3
import sys
import time
import unittest

from vmha_harness import disk, proc
from vmha_harness.eventd_bed import EventdBed

BOOT_TIMEOUT = 45
ACTION_TIMEOUT = 30


def log(msg):
    print(f"[eventd] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=ACTION_TIMEOUT, interval=0.05):
    return proc.expect_within(what, predicate, timeout, interval)


class EventDaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bed = EventdBed()
        cls.bed.__enter__()
        cls.addClassCleanup(cls.bed.close)
        cls.lv = cls.bed.lv
        cls.host = cls.bed.host

    def run(self, result=None):
        # On failure, show what the daemon saw and did.
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            log("daemon log tail:\n" + "\n".join(self.bed.daemon_log().splitlines()[-60:]))
        return out

    def attr(self, name):
        return self.bed.attr(name)

    def journal(self, subject, what_prefix, kind=None, outcome=None):
        """Journal rows about subject whose `what` starts with what_prefix."""
        # Read-only while the daemon writes: WAL lets both go on.
        db = sqlite3.connect(f"file:{self.bed.journal}?mode=ro", uri=True, timeout=5)
        try:
            rows = db.execute("SELECT * FROM events").fetchall()
            cols = [c[0] for c in db.execute("SELECT * FROM events").description]
        finally:
            db.close()
        found = [dict(zip(cols, r)) for r in rows]
        return [r for r in found if r["subject"] == subject and r["what"].startswith(what_prefix)
                and (kind is None or r["kind"] == kind) and (outcome is None or r["outcome"] == outcome)]

    def assertJournal(self, subject, what_prefix, **kw):
        self.assertTrue(self.journal(subject, what_prefix, **kw),
                        f"no journal entry {subject}: {what_prefix}* {kw}")

    def start_ops(self, rid):
        return self.bed.start_call(rid)

    def crm_mon(self):
        return self.bed.crm_mon()

    def domstate(self, name):
        return self.bed.domstate(name)

    def guest(self, name, **params):
        """An NBD-backed guest under VirtualMachine with a 60 s monitor,
        writing; returns (nbd, image)."""
        nbd, image, cleanup = self.bed.add_guest(name, **params)
        self.addCleanup(cleanup)
        self.wait_writing(image)
        return nbd, image

    def wait_writing(self, image, after=-1, timeout=BOOT_TIMEOUT):
        def progressed():
            latest = disk.latest_counter(image)
            return latest is not None and latest >= after + 3 and latest
        return wait(f"records past {after}", progressed, timeout, interval=0.2)

    def domstate(self, name):
        cp = self.lv.run(["virsh", "domstate", "--reason", name], check=False, timeout=20)
        return cp.stdout.strip() if cp.returncode == 0 else "absent"

    def pause(self, nbd, name):
        nbd.fail_on()
        wait(f"{name} to pause", lambda: self.domstate(name) == "paused (I/O error)", 20)
        return time.monotonic()

    def test_io_pause_is_visible_and_auto_resume_resumes(self):
        nbd, image = self.guest("autor", resume_behavior="auto_resume")
        paused_at = self.pause(nbd, "autor")
        wait("vmha-paused-io=1", lambda: self.attr("vmha-paused-io") == "1")
        seen = time.monotonic() - paused_at
        log(f"pause -> attribute visible through attrd_updater: {seen * 1000:.0f} ms (polled)")
        self.assertEqual(self.attr("#health-vmha-storage"), "yellow")
        # crm_mon -A lists node attributes, but hides Pacemaker's own "#" ones.
        attrs = {a.get("name"): a.get("value") for a in self.crm_mon().iter("attribute")}
        self.assertEqual(attrs.get("vmha-paused-io"), "1", "crm_mon -A shows it")
        last = disk.latest_counter(image)
        nbd.fail_off()
        t0 = time.monotonic()
        wait("the daemon to resume the guest", lambda: self.domstate("autor").startswith("running"), 15)
        log(f"storage back -> resumed: {(time.monotonic() - t0) * 1000:.0f} ms")
        self.wait_writing(image, last)
        wait("vmha-paused-io=0", lambda: self.attr("vmha-paused-io") == "0")
        self.assertEqual(self.attr("#health-vmha-storage"), "green")
        self.assertJournal("autor", "I/O error", kind="detection")
        self.assertJournal("autor", "paused on I/O error", kind="detection")
        self.assertJournal("autor", "resume", kind="action", outcome="ok")
        self.assertJournal("autor", "resumed", kind="detection")

    def monitor(self, rid, **extra_env):
        """The agent's monitor run by hand inside the host, as the executor
        runs it; returns (rc, stderr)."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
               "OCF_RESOURCE_INSTANCE": rid, "OCF_RESKEY_hypervisor": self.bed.hypervisor,
               "OCF_RESKEY_config": os.path.join(self.lv.workdir, f"{rid}.xml"),
               "OCF_RESKEY_CRM_meta_interval": "60000", **extra_env}
        cp = self.host.run(["/usr/lib/ocf/resource.d/vmha/VirtualMachine", "monitor"], env=env,
                           check=False, timeout=60)
        return cp.returncode, cp.stderr

    def test_routine_monitor_is_answered_by_the_daemon(self):
        # leave_paused: neither the daemon nor the agent resumes the paused
        # guest behind the monitor's back, so what it reports is settled.
        nbd, _ = self.guest("fastmon", resume_behavior="leave_paused")
        rc, err = self.monitor("fastmon")
        self.assertEqual((rc, "per vmha-eventd" in err), (0, True), err)
        # Deeper checks always ask libvirt.
        rc, err = self.monitor("fastmon", OCF_CHECK_LEVEL="10")
        self.assertEqual((rc, "per vmha-eventd" in err), (0, False), err)
        # A guest that is not plainly running is the full agent's to judge.
        self.pause(nbd, "fastmon")
        rc, err = self.monitor("fastmon")
        self.assertEqual((rc, "per vmha-eventd" in err), (190, False), err)
        nbd.fail_off()
        self.lv.run(["virsh", "resume", "fastmon"])
        wait("the guest to run again", lambda: self.domstate("fastmon").startswith("running"), 15)
        # A full check older than 300 s: the next monitor is a full one again.
        checked = "/run/vmha/VirtualMachine/fastmon.checked"
        self.host.run(["touch", "-d", "10 minutes ago", checked])
        rc, err = self.monitor("fastmon")
        self.assertEqual((rc, "per vmha-eventd" in err), (0, False), err)
        rc, err = self.monitor("fastmon")
        self.assertEqual((rc, "per vmha-eventd" in err), (0, True), err)

    def test_maintenance_silences_alarms_and_actions(self):
        nbd, _ = self.guest("maint", resume_behavior="auto_resume")
        self.host.run(["attrd_updater", "-n", "vmha-maintenance", "-U", "true"])
        self.addCleanup(self.host.run, ["attrd_updater", "-n", "vmha-maintenance", "-D"], check=False)
        node = self.host.name
        wait("the daemon to enter maintenance",
             lambda: self.journal(node, "maintenance entered", kind="detection"), 15)
        self.pause(nbd, "maint")
        nbd.fail_off()
        # No alarm and no action for as long as maintenance lasts.
        end = time.monotonic() + 4
        while time.monotonic() < end:
            self.assertEqual(self.domstate("maint"), "paused (I/O error)")
            self.assertEqual(self.attr("#health-vmha-storage"), "green")
            time.sleep(0.5)
        self.host.run(["attrd_updater", "-n", "vmha-maintenance", "-D"])
        wait("the resume once maintenance ends", lambda: self.domstate("maint").startswith("running"), 15)

    def test_reloaded_policy_is_followed(self):
        # guest_shutdown changed on a running guest: the agent's reload
        # rewrites its metadata and the daemon follows at once (the monitor
        # runs every 60 s, so the daemon's is the only quick reaction).
        _, image = self.guest("reloaded", persistent="true", guest_shutdown="restart")
        self.host.run(["pcs", "resource", "update", "reloaded", "guest_shutdown=stop"])
        wait("the new policy in the domain's metadata", lambda: 'guest-shutdown="stop"' in self.lv.run(
            ["virsh", "metadata", "reloaded", "https://vmha.dev/xmlns/libvirt-ha/1"],
            check=False).stdout, 30)
        disk.request_poweroff(image)
        wait("target-role=Stopped", lambda: "Stopped" in self.host.run(
            ["crm_resource", "-r", "reloaded", "--meta", "-g", "target-role"], check=False).stdout, 15)
        self.assertJournal("reloaded", "mark-stopped", kind="action", outcome="ok")

    def test_leave_paused_is_left(self):
        nbd, _ = self.guest("leave", resume_behavior="leave_paused")
        self.pause(nbd, "leave")
        nbd.fail_off()
        end = time.monotonic() + 5
        while time.monotonic() < end:
            self.assertEqual(self.domstate("leave"), "paused (I/O error)")
            time.sleep(0.5)

    def test_kill_deadline_destroys_and_the_cluster_restarts_it(self):
        nbd, image = self.guest("killd", resume_behavior="kill", kill_paused_after=3)
        boots = {r.boot_id for r in disk.read_records(image)}
        starts = self.start_ops("killd")
        self.pause(nbd, "killd")
        wait("the daemon to destroy it at the deadline",
             lambda: self.domstate("killd") in ("absent", "shut off (destroyed)")
             or self.start_ops("killd") > starts, 15)
        nbd.fail_off()
        wait("the cluster to start it again", lambda: self.start_ops("killd") > starts, 20)
        self.assertJournal("killd", "destroy", kind="action", outcome="ok")
        self.assertJournal("killd", "fail-resource", kind="action", outcome="ok")
        wait("a new boot to write",
             lambda: {r.boot_id for r in disk.read_records(image)} - boots, BOOT_TIMEOUT, 0.2)

    def test_qemu_crash_is_recovered_before_any_monitor(self):
        _, image = self.guest("crashy")
        starts = self.start_ops("crashy")
        boots = {r.boot_id for r in disk.read_records(image)}
        qemu = self.lv.qemu_pid("crashy")
        os.kill(qemu, signal.SIGKILL)
        t0 = time.monotonic()
        wait("a new start operation", lambda: self.start_ops("crashy") > starts, 15, 0.05)
        took = time.monotonic() - t0
        log(f"kill -9 QEMU -> new start recorded: {took * 1000:.0f} ms (monitor interval 60 s)")
        self.assertLess(took, 10)
        self.assertJournal("crashy", "stopped", kind="detection")
        self.assertJournal("crashy", "fail-resource", kind="action", outcome="ok")
        # What an administrator reads: vmhactl history, while the daemon writes.
        ctl = os.path.join(proc.build_dir(), "tools", "vmhactl", "vmhactl")
        cp = proc.run([ctl, "history", "--journal", self.bed.journal, "--subject", "crashy",
                       "--output-as", "json"])
        rows = json.loads(cp.stdout)
        self.assertTrue(any(r["what"] == "fail-resource crashy" and r["outcome"] == "ok" for r in rows),
                        cp.stdout)
        wait("a new boot to write",
             lambda: {r.boot_id for r in disk.read_records(image)} - boots, BOOT_TIMEOUT, 0.2)

    def test_hung_libvirtd_turns_hypervisor_health_red(self):
        os.kill(self.lv.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            wait("#health-vmha-libvirt=red", lambda: self.attr("#health-vmha-libvirt") == "red", 20)
            log(f"libvirtd stopped -> health red: {(time.monotonic() - t0) * 1000:.0f} ms")
        finally:
            os.kill(self.lv.pid, signal.SIGCONT)
        wait("#health-vmha-libvirt=green", lambda: self.attr("#health-vmha-libvirt") == "green", 20)
        node = self.host.name
        self.assertJournal(node, "#health-vmha-libvirt=red", kind="state")
        self.assertJournal(node, "#health-vmha-libvirt=green", kind="state")

    def test_quorum_loss_pauses_and_regain_resumes(self):
        # freeze: Pacemaker itself leaves resources alone without quorum, so
        # what happens to the guest is the daemon's isolation response.
        self.host.run(["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy", "-v", "freeze"])
        self.addCleanup(self.host.run, ["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy",
                                        "-v", "stop"], check=False)
        _, image = self.guest("isolated")
        # A second (absent) vote: this partition falls below quorum.
        self.host.run(["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "2"])
        self.addCleanup(self.host.run, ["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "1"],
                        check=False)
        t0 = time.monotonic()
        wait("the guest to be paused", lambda: self.domstate("isolated") == "paused (user)", 15)
        log(f"quorum lost -> guest paused: {(time.monotonic() - t0) * 1000:.0f} ms")
        stuck = disk.latest_counter(image)
        self.assertJournal(self.host.name, "quorum lost", kind="detection")
        self.host.run(["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "1"])
        wait("the guest to run again", lambda: self.domstate("isolated").startswith("running"), 15)
        self.wait_writing(image, stuck)
        self.assertJournal("isolated", "pause", kind="action", outcome="ok")
        self.assertJournal("isolated", "resume", kind="action", outcome="ok")

    def test_libvirtd_restart_reconnects_and_resyncs(self):
        before = self.bed.daemon_log().count("resynchronised")
        self.lv.restart()
        wait("a resync after the restart", lambda: self.bed.daemon_log().count("resynchronised") > before, 20)
        self.assertEqual(self.attr("#health-vmha-libvirt"), "green")


if __name__ == "__main__":
    unittest.main()
