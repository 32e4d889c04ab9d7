# ctest-labels: slow cluster
# ctest-timeout: 600
"""vmha-eventd run by Pacemaker (ocf:vmha:EventDaemon) in a real one-host
cluster, beside ocf:vmha:VirtualMachine guests of a private libvirtd whose
disks are NBD exports with injectable I/O errors. Guest monitors run every
60 s, so whatever happens within seconds is the daemon's doing."""

import json
import os
import signal
import sys
import time
import unittest

from vmha_harness import checks
from vmha_lab.peers import disk, proc
from vmha_lab.peers.eventd_bed import EventdBed

BOOT_TIMEOUT = 45
ACTION_TIMEOUT = 30


def log(msg):
    print(f"[eventd] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=ACTION_TIMEOUT, interval=0.05):
    return checks.expect_within(what, predicate, timeout, interval)


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

    def attr_absent(self, name):
        # attrd answers a removed attribute with an empty value.
        return self.attr(name) in (None, "")

    def journal(self, subject, what_prefix, kind=None, outcome=None):
        return self.bed.journal_rows(subject, what_prefix, kind, outcome)

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
        wait("#health-vmha-storage=yellow", lambda: self.attr("#health-vmha-storage") == "yellow", 5)
        # crm_mon -A lists node attributes, but hides Pacemaker's own "#" ones.
        # It reads the CIB, which attrd writes after it answers queries, and
        # one attribute at a time: poll until both are there.
        def shown():
            attrs = {a.get("name"): a.get("value") for a in self.crm_mon().iter("attribute")}
            return (attrs.get("vmha-paused-io"), attrs.get("vmha-guest-autor")) == ("1", "paused-io")
        wait("crm_mon -A to show vmha-paused-io=1 and vmha-guest-autor=paused-io", shown, 10, 0.2)
        last = disk.latest_counter(image)
        nbd.fail_off()
        t0 = time.monotonic()
        wait("the daemon to resume the guest", lambda: self.domstate("autor").startswith("running"), 15)
        log(f"storage back -> resumed: {(time.monotonic() - t0) * 1000:.0f} ms")
        self.wait_writing(image, last)
        wait("vmha-paused-io=0", lambda: self.attr("vmha-paused-io") == "0")
        wait("vmha-guest-autor removed", lambda: self.attr_absent("vmha-guest-autor"))
        self.assertEqual(self.attr("#health-vmha-storage"), "green")
        node = self.host.name
        self.assertJournal(node, "vmha-paused-io=1", kind="state")
        self.assertJournal(node, "vmha-guest-autor=paused-io", kind="state")
        self.assertJournal(node, "vmha-guest-autor removed", kind="state")
        self.assertJournal(node, "#health-vmha-storage=yellow", kind="state")
        self.assertJournal("autor", "started", kind="detection")
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
        wait("the journal to note it", lambda: self.journal(node, "maintenance left", kind="detection"), 15)
        self.assertJournal("maint", "resume", kind="action", outcome="ok")

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
        # The row is written once the CIB write returned, just after it shows.
        wait("the mark-stopped row", lambda: self.journal("reloaded", "mark-stopped", kind="action", outcome="ok"), 5)

    def test_leave_paused_is_left(self):
        nbd, _ = self.guest("leave", resume_behavior="leave_paused")
        # The README's per-guest rule: a service that lives with the guest
        # stops while the guest is not running normally.
        self.host.run(["pcs", "resource", "create", "leave-svc", "ocf:pacemaker:Dummy"])
        self.addCleanup(self.host.run, ["pcs", "resource", "delete", "leave-svc", "--force"],
                        check=False, timeout=60)
        self.host.run(["pcs", "constraint", "colocation", "add", "leave-svc", "with", "leave", "INFINITY"])
        self.host.run(["pcs", "constraint", "location", "leave-svc", "rule", "score=-INFINITY",
                       "defined", "vmha-guest-leave"])
        wait("leave-svc to start", lambda: self.bed.started("leave-svc"))
        self.pause(nbd, "leave")
        wait("leave-svc to stop by the rule", lambda: not self.bed.started("leave-svc"))
        nbd.fail_off()
        end = time.monotonic() + 5
        while time.monotonic() < end:
            self.assertEqual(self.domstate("leave"), "paused (I/O error)")
            time.sleep(0.5)
        self.assertEqual(self.attr("vmha-guest-leave"), "paused-io")
        self.assertJournal("leave", "paused on I/O error", kind="detection")
        self.assertFalse(self.journal("leave", "resume", kind="action"), "nothing resumed it")
        self.assertFalse(self.bed.started("leave-svc"))
        self.lv.run(["virsh", "resume", "leave"])
        wait("vmha-guest-leave removed", lambda: self.attr_absent("vmha-guest-leave"))
        wait("leave-svc to start again", lambda: self.bed.started("leave-svc"))

    def paused_guest(self, name, **params):
        """A guest paused on I/O errors; returns (nbd, image, what must not
        change before it resumes: its boots, its start op, its last record)."""
        nbd, image = self.guest(name, **params)
        boots = {r.boot_id for r in disk.read_records(image)}
        starts = self.start_ops(name)
        self.pause(nbd, name)
        return nbd, image, (boots, starts, disk.latest_counter(image))

    def expect_resumed_in_place(self, name, image, before):
        """name runs and writes again in the same boot: no destroy, no new
        start, no failure reported. Returns how long the resume took (s)."""
        boots, starts, last = before
        t0 = time.monotonic()
        wait(f"the daemon to resume {name}", lambda: self.domstate(name).startswith("running"), 15)
        took = time.monotonic() - t0
        self.wait_writing(image, last)
        self.assertEqual({r.boot_id for r in disk.read_records(image)}, boots)
        self.assertEqual(self.start_ops(name), starts)
        self.assertJournal(name, "resume", kind="action", outcome="ok")
        self.assertFalse(self.journal(name, "destroy"), f"{name} destroyed")
        self.assertFalse(self.journal(name, "fail-resource"), f"{name} reported failed")
        return took

    def test_kill_resumes_when_storage_returns_in_time(self):
        nbd, image, before = self.paused_guest("killr", resume_behavior="kill", kill_paused_after=30)
        nbd.fail_off()
        took = self.expect_resumed_in_place("killr", image, before)
        log(f"kill guest, storage back within kill_paused_after -> resumed: {took * 1000:.0f} ms")

    def test_auto_resume_stays_paused_while_storage_fails(self):
        # No heartbeat here: the daemon tries a resume every 0.5 s and each
        # one pauses again at the guest's next write. Stays paused means: not
        # destroyed, not restarted, no write lands, paused whenever settled.
        nbd, image, before = self.paused_guest("autos", resume_behavior="auto_resume", kill_paused_after=3)
        # The first resume may clear the count (it may hold); once it did
        # not, later ones change nothing until one holds.
        wait("a first resume refused by the failing export",
             lambda: self.journal("autos", "resume", kind="action")
             and self.domstate("autos") == "paused (I/O error)", 5, 0.02)
        wait("vmha-paused-io=1 after it", lambda: self.attr("vmha-paused-io") == "1", 5)
        end = time.monotonic() + 6  # twice kill_paused_after, which auto_resume ignores
        seen = set()
        while time.monotonic() < end:
            state = self.domstate("autos")
            seen.add(state)
            self.assertIn(state, ("paused (I/O error)", "running (unpaused)"))
            self.assertEqual(self.attr("vmha-paused-io"), "1")
            time.sleep(0.3)
        self.assertIn("paused (I/O error)", seen)
        self.assertEqual(disk.latest_counter(image), before[2], "a write landed on failing storage")
        self.assertFalse(self.journal("autos", "destroy"), "auto_resume guest destroyed")
        nbd.fail_off()
        self.expect_resumed_in_place("autos", image, before)

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
        # The README's rule (-50, below 0 and above minus the stickiness), on
        # stand-ins for guests: one already running stays, a new one is not
        # placed where libvirt does not answer.
        for rsc in ("runs-on", "comes-new"):
            self.host.run(["pcs", "resource", "create", rsc, "ocf:pacemaker:Dummy",
                           "meta", "resource-stickiness=100"]
                          + (["target-role=Stopped"] if rsc == "comes-new" else []))
            self.addCleanup(self.host.run, ["pcs", "resource", "delete", rsc, "--force"],
                            check=False, timeout=60)
            self.host.run(["pcs", "constraint", "location", rsc, "rule", "score=-50",
                           "#health-vmha-libvirt", "eq", "red"])
        wait("runs-on to start", lambda: self.bed.started("runs-on"))
        os.kill(self.lv.pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            wait("#health-vmha-libvirt=red", lambda: self.attr("#health-vmha-libvirt") == "red", 20)
            log(f"libvirtd stopped -> health red: {(time.monotonic() - t0) * 1000:.0f} ms")
            self.host.run(["pcs", "resource", "enable", "comes-new"])
            # Until the cluster has nothing left to do: then a start that was
            # going to happen has happened.
            self.host.run(["crm_resource", "--wait", "--timeout=30s"], timeout=60)
            self.assertFalse(self.bed.started("comes-new"), "a new resource was placed on red libvirt")
            self.assertTrue(self.bed.started("runs-on"), "a running resource was moved off red libvirt")
        finally:
            os.kill(self.lv.pid, signal.SIGCONT)
        wait("#health-vmha-libvirt=green", lambda: self.attr("#health-vmha-libvirt") == "green", 20)
        wait("comes-new to start once libvirt is green", lambda: self.bed.started("comes-new"))
        node = self.host.name
        self.assertJournal(node, "#health-vmha-libvirt=red", kind="state")
        self.assertJournal(node, "#health-vmha-libvirt=green", kind="state")
        uri = self.bed.hypervisor
        self.assertJournal(uri, "libvirt not answering", kind="detection")
        self.assertJournal(uri, "libvirt connected", kind="detection")

    def freeze_without_quorum(self):
        # freeze: Pacemaker itself leaves resources alone without quorum, so
        # what happens to the guest is the daemon's doing.
        self.host.run(["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy", "-v", "freeze"])
        self.addCleanup(self.host.run, ["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy",
                                        "-v", "stop"], check=False)

    def set_expected_votes(self, n):
        """2: a second (absent) vote, this partition falls below quorum; 1: quorate."""
        self.host.run(["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", str(n)])
        if n != 1:
            self.addCleanup(self.host.run, ["corosync-cmapctl", "-s", "quorum.expected_votes", "u32", "1"],
                            check=False)

    def test_pause_spanning_a_quorum_loss_is_never_resumed(self):
        # Paused on I/O, then cut off: the majority may have restarted the
        # guest elsewhere meanwhile, so storage and quorum coming back do
        # not resume this copy.
        self.freeze_without_quorum()
        nbd, _ = self.guest("cutoff", resume_behavior="auto_resume")
        self.pause(nbd, "cutoff")
        # Without a heartbeat auto_resume retries every 500 ms and the failing
        # export pauses the guest again. Cut quorum just after one such retry,
        # so that the guest is paused on I/O (not briefly running) when the
        # daemon learns of the loss.
        wait("a resume retry refused by the failing export",
             lambda: self.journal("cutoff", "resume", kind="action")
             and self.domstate("cutoff") == "paused (I/O error)", 5, 0.02)
        node = self.host.name
        lost = [r["id"] for r in self.journal(node, "quorum lost")]
        regained = len(self.journal(node, "quorum regained"))
        self.set_expected_votes(2)
        wait("the daemon to see quorum lost", lambda: len(self.journal(node, "quorum lost")) > len(lost), 15)
        lost_at = max(r["id"] for r in self.journal(node, "quorum lost"))
        # A retry already under way as quorum went ends with the guest
        # paused again by the failing export.
        wait("cutoff paused on I/O once quorum is lost",
             lambda: self.domstate("cutoff") == "paused (I/O error)", 5)
        nbd.fail_off()
        self.set_expected_votes(1)
        wait("the daemon to see quorum again", lambda: len(self.journal(node, "quorum regained")) > regained, 15)
        regained_at = max(r["id"] for r in self.journal(node, "quorum regained"))
        end = time.monotonic() + 4  # eight of the daemon's resume retries
        while time.monotonic() < end:
            self.assertEqual(self.domstate("cutoff"), "paused (I/O error)")
            time.sleep(0.25)
        resumes = [r["id"] for r in self.journal("cutoff", "resume", kind="action")]
        self.assertLessEqual(len([i for i in resumes if lost_at < i < regained_at]), 1,
                             "retried while quorum was lost (one may have been under way)")
        self.assertFalse([i for i in resumes if i > regained_at], "resumed after a quorum loss")
        self.assertEqual(self.attr("vmha-guest-cutoff"), "paused-io")
        # Nor does the agent's own monitor resume it while the daemon runs:
        # the daemon holds what the monitor cannot know.
        rc, err = self.monitor("cutoff", OCF_RESKEY_resume_behavior="auto_resume")
        self.assertEqual(rc, 190, err)
        self.assertIn("vmha-eventd decides", err)
        self.assertEqual(self.domstate("cutoff"), "paused (I/O error)")

    def test_quorum_loss_pauses_and_regain_resumes(self):
        self.freeze_without_quorum()
        _, image = self.guest("isolated")
        self.set_expected_votes(2)
        t0 = time.monotonic()
        wait("the guest to be paused", lambda: self.domstate("isolated") == "paused (user)", 15)
        log(f"quorum lost -> guest paused: {(time.monotonic() - t0) * 1000:.0f} ms")
        stuck = disk.latest_counter(image)
        self.assertJournal(self.host.name, "quorum lost", kind="detection")
        wait("vmha-guest-isolated=paused-quorum", lambda: self.attr("vmha-guest-isolated") == "paused-quorum", 15)
        self.set_expected_votes(1)
        wait("the guest to run again", lambda: self.domstate("isolated").startswith("running"), 15)
        self.wait_writing(image, stuck)
        wait("vmha-guest-isolated removed", lambda: self.attr_absent("vmha-guest-isolated"), 15)
        self.assertJournal(self.host.name, "quorum regained", kind="detection")
        self.assertJournal("isolated", "suspended", kind="detection")
        self.assertJournal("isolated", "pause", kind="action", outcome="ok")
        self.assertJournal("isolated", "resume", kind="action", outcome="ok")

    def test_libvirtd_killed_restarted_resyncs_a_pause_it_missed(self):
        # leave_paused: what the daemon shows afterwards is what it learnt
        # from the resync, not something it did.
        nbd, image = self.guest("resync", resume_behavior="leave_paused")
        self.assertEqual(self.attr("vmha-paused-io"), "0")
        before = len(self.journal(self.bed.hypervisor, "resynchronised"))
        os.kill(self.lv.pid, signal.SIGKILL)
        try:
            # Inside the try: later tests need libvirtd back whatever happens.
            wait("libvirtd to die", lambda: not proc.pid_alive(self.lv.pid), 15)
            nbd.fail_on()
            # No libvirtd to ask: QEMU has paused the guest once its records
            # (one every 50 ms) stop over a whole second.
            counters = []

            def stalled():
                counters.append(disk.latest_counter(image))
                return len(counters) >= 2 and counters[-1] == counters[-2]
            wait("the guest's writes to stop", stalled, 20, 1.0)
            self.assertEqual(self.attr("vmha-paused-io"), "0", "nothing told the daemon yet")
        finally:
            self.lv.start_libvirtd()
        t0 = time.monotonic()
        wait("vmha-paused-io=1 after the resync", lambda: self.attr("vmha-paused-io") == "1", 30)
        log(f"libvirtd back -> paused guest seen: {(time.monotonic() - t0) * 1000:.0f} ms")
        self.assertEqual(self.domstate("resync"), "paused (I/O error)")
        self.assertEqual(self.attr("vmha-guest-resync"), "paused-io")
        self.assertEqual(self.attr("#health-vmha-libvirt"), "green")
        self.assertGreater(len(self.journal(self.bed.hypervisor, "resynchronised")), before)
        self.assertJournal(self.bed.hypervisor, "libvirt not answering", kind="detection")
        self.assertJournal(self.host.name, "vmha-paused-io=1", kind="state")
        rows = self.journal("resync", "paused on I/O error", kind="detection")
        self.assertTrue(rows and rows[-1]["detail"] == "found at resync", rows)
        nbd.fail_off()
        self.lv.run(["virsh", "resume", "resync"])
        wait("vmha-paused-io=0", lambda: self.attr("vmha-paused-io") == "0")


if __name__ == "__main__":
    unittest.main()
