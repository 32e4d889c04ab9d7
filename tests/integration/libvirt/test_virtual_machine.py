# ctest-labels: slow
# ctest-timeout: 900
"""ocf:vmha:VirtualMachine against a real libvirtd and real QEMU guests
(TCG): every action, and every row of the state mapping."""

import os
import signal
import time
import unittest

from agent_fixture import AgentTestCase, agent_path, wait
from vmha_lab.peers import disk, proc
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport


class Lifecycle(AgentTestCase):
    listen_addr = "127.0.0.71"

    def test_transient_start_monitor_reload_stop(self):
        config, image = self.make_guest("life")
        p = dict(config=config)
        self.assertRc(self.agent("validate-all", **p), 0)
        probe = self.agent("monitor", env={"OCF_RESKEY_CRM_meta_interval": "0"}, **p)
        self.assertRc(probe, 7, "probe before start")

        started = self.agent("start", **p)
        self.assertRc(started, 0)
        self.assertEqual(self.domstate("life"), "running (booted)")
        self.assertIn("transient", self.lv.virsh("dominfo", "life").split("Persistent:")[1][:20]
                      .replace("no", "transient"))
        # The HA policy is in the domain's own metadata, for vmha-eventd.
        meta = self.lv.virsh("metadata", "life", "https://vmha.dev/xmlns/libvirt-ha/1")
        self.assertIn('resource="vm"', meta)
        self.assertIn('resume-behavior="kill"', meta)
        self.assertIn('kill-paused-after="80"', meta)
        self.assertIn('guest-shutdown="restart"', meta)
        first = self.wait_writing(image)

        for depth in ("0", "10", "20"):
            self.assertRc(self.agent("monitor", env={"OCF_CHECK_LEVEL": depth}, **p), 0,
                          f"depth {depth}")
        self.assertRc(self.agent("status", **p), 0, "status is monitor")

        # Paused by an administrator: degraded, and left paused.
        self.lv.virsh("suspend", "life")
        paused = self.agent("monitor", **p)
        self.assertRc(paused, 190, "paused by an administrator")
        self.assertIn("paused (user)", paused.exit_reason())
        self.assertRc(self.agent("status", **p), 190)
        self.assertEqual(self.domstate("life"), "paused (user)", "the agent never resumes it")
        self.lv.virsh("resume", "life")
        self.assertRc(self.agent("monitor", **p), 0, "resumed by the administrator")
        self.assertRc(self.agent("start", **p), 0, "start is idempotent")

        reloaded = self.agent("reload", resume_behavior="leave_paused", kill_paused_after=30, **p)
        self.assertRc(reloaded, 0)
        meta = self.lv.virsh("metadata", "life", "https://vmha.dev/xmlns/libvirt-ha/1")
        self.assertIn('resume-behavior="leave_paused"', meta)
        self.assertIn('kill-paused-after="30"', meta)
        self.wait_writing(image, first)

        stopped = self.agent("stop", **p)
        self.assertRc(stopped, 0)
        self.assertIn("shut down", stopped.stderr, "graceful, not destroyed")
        self.assertIn("powering off (ACPI power button)", self.console("life"))
        self.assertEqual(self.domstate("life"), "absent")
        self.assertRc(self.agent("monitor", **p), 7)
        self.assertRc(self.agent("status", **p), 7)
        self.assertRc(self.agent("stop", **p), 0, "stopping a stopped domain succeeds")

    def test_force_stop_destroys_at_once(self):
        config, image = self.make_guest("forced")
        self.assertRc(self.agent("start", config=config), 0)
        self.wait_writing(image)
        r = self.agent("stop", config=config, force_stop="true")
        self.assertRc(r, 0)
        self.assertIn("destroyed", r.stderr)
        self.assertNotIn("powering off", self.console("forced"))
        self.assertEqual(self.domstate("forced"), "absent")

    def test_unanswered_shutdown_falls_back_to_destroy_within_budget(self):
        config, image = self.make_guest("stubborn")
        self.assertRc(self.agent("start", config=config), 0)
        self.wait_writing(image)
        disk.request_ignore_power_button(image)
        wait("the guest to ignore the power button",
             lambda: "ignoring the ACPI power button" in self.console("stubborn"))
        r = self.agent("stop", config=config, shutdown_timeout=2)
        self.assertRc(r, 0)
        self.assertIn("ACPI power button ignored", self.console("stubborn"),
                      "the graceful shutdown reached the guest")
        self.assertIn("did not shut down within 2000 ms", r.stderr)
        self.assertIn("domain stubborn destroyed", r.stderr)
        self.assertNotIn("powering off", self.console("stubborn"))
        self.assertEqual(self.domstate("stubborn"), "absent")
        self.assertGreaterEqual(r.seconds, 2, "the guest had its shutdown_timeout")
        self.assertLess(r.seconds, 15)

    def test_depth_10_fails_when_qemu_or_a_disk_does_not_answer(self):
        config, image = self.make_guest("deep")
        p = dict(config=config, libvirt_timeout=2)
        deep = {"OCF_CHECK_LEVEL": "10"}
        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image)
        self.assertRc(self.agent("monitor", env=deep, **p), 0)

        # A QEMU that does not answer its monitor: libvirtd still answers,
        # so this is the guest's failure (1), found within libvirt_timeout.
        qemu = self.lv.qemu_pid("deep")
        os.kill(qemu, signal.SIGSTOP)
        self.addCleanup(lambda: proc.pid_alive(qemu) and os.kill(qemu, signal.SIGCONT))
        r = self.agent("monitor", env=deep, **p)
        self.assertRc(r, 1, "QEMU's monitor does not answer")
        self.assertIn("depth 10 check failed", r.exit_reason())
        self.assertLess(r.seconds, 8, "bounded by libvirt_timeout")
        os.kill(qemu, signal.SIGCONT)
        wait("depth 10 to pass once QEMU runs again",
             lambda: self.agent("monitor", env=deep, **p).rc == 0, interval=0.5)

        # A disk source that is gone (QEMU keeps its open file: the guest
        # still writes, but would not start again).
        moved = image + ".moved"
        os.rename(image, moved)
        self.addCleanup(lambda: os.path.exists(moved) and os.rename(moved, image))
        r = self.agent("monitor", env=deep, **p)
        self.assertRc(r, 1, "disk source missing")
        self.assertIn(f"disk vda source {image}", r.exit_reason())
        self.assertRc(self.agent("monitor", **p), 0, "depth 0 only asks for the state")
        os.rename(moved, image)
        self.assertRc(self.agent("monitor", env=deep, **p), 0)
        self.assertRc(self.agent("stop", force_stop="true", **p), 0)

    def test_snapshot_saves_at_stop_and_restores_at_start_and_config_is_saved(self):
        config, image = self.make_guest("saver")
        snapdir = os.path.join(self.lv.workdir, "snapshots")
        os.mkdir(snapdir)
        p = dict(config=config, snapshot=snapdir, save_config_on_stop="true")
        with open(config) as f:
            original = f.read()
        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image)
        boot = disk.read_records(image)[-1].boot_id
        uuid = self.lv.virsh("domuuid", "saver")

        r = self.agent("stop", **p)
        self.assertRc(r, 0)
        state = os.path.join(snapdir, "saver.state")
        self.assertIn(f"saved to {state}", r.stderr)
        self.assertTrue(os.path.exists(state))
        self.assertEqual(self.domstate("saver"), "absent")
        last = disk.latest_counter(image)
        # save_config_on_stop: the config is libvirt's definition now.
        with open(config) as f:
            saved = f.read()
        self.assertNotEqual(saved, original)
        self.assertIn(f"<uuid>{uuid}</uuid>", saved)
        self.assertIn("https://vmha.dev/xmlns/libvirt-ha/1", saved)

        r = self.agent("start", **p)
        self.assertRc(r, 0)
        self.assertIn(f"restored saver from {state}", r.stderr)
        self.assertFalse(os.path.exists(state), "a restored state is used once")
        self.wait_writing(image, last)
        later = [rec for rec in disk.read_records(image) if rec.counter > last]
        self.assertEqual({rec.boot_id for rec in later}, {boot}, "the same boot continues")
        self.assertRc(self.agent("stop", config=config, force_stop="true"), 0)

    def test_depth_20_asks_the_guest_agent(self):
        config, image = self.make_guest("withagent", guest_agent_channel=True)
        p = dict(config=config, libvirt_timeout=3)
        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image)
        deep = {"OCF_CHECK_LEVEL": "20"}
        wait("the guest agent to answer", lambda: self.agent("monitor", env=deep, **p).rc == 0)
        disk.request_agent_stop(image)
        r = wait("a depth-20 failure once the agent is gone",
                 lambda: (lambda res: res.rc == 1 and res)(self.agent("monitor", env=deep, **p)))
        self.assertIn("guest agent", r.exit_reason())
        self.assertRc(self.agent("monitor", env={"OCF_CHECK_LEVEL": "10"}, **p), 0,
                      "depth 10 does not ask the agent")
        self.assertRc(self.agent("stop", force_stop="true", **p), 0)


class Persistent(AgentTestCase):
    listen_addr = "127.0.0.72"

    def defined(self, name):
        return name in self.lv.virsh("list", "--all", "--name").split()

    def test_definition_kept_and_stop_reasons_reported(self):
        config, image = self.make_guest("pers")
        p = dict(config=config, persistent="true")
        self.assertRc(self.agent("start", **p), 0)
        self.assertTrue(self.defined("pers"))
        self.wait_writing(image)

        # QEMU killed: shut off (crashed) → not running, reason logged.
        os.kill(self.lv.qemu_pid("pers"), signal.SIGKILL)
        self.wait_domstate("pers", "shut off (crashed)")
        r = self.agent("monitor", **p)
        self.assertRc(r, 7)
        self.assertIn("crashed", r.exit_reason())

        # Guest powers itself off: shut off (shutdown) → not running.
        self.assertRc(self.agent("start", **p), 0)
        last = self.wait_writing(image)
        disk.request_poweroff(image)
        self.wait_domstate("pers", "shut off (shutdown)")
        r = self.agent("monitor", **p)
        self.assertRc(r, 7)
        self.assertIn("guest shut itself down", r.exit_reason())

        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image, last)
        self.assertRc(self.agent("stop", **p), 0)
        self.assertEqual(self.domstate("pers"), "shut off (shutdown)")
        self.assertTrue(self.defined("pers"), "stop never undefines")

    def test_guest_panic_is_crashed_and_not_running(self):
        config, image = self.make_guest("panicky", panic_device=True, on_crash="preserve")
        p = dict(config=config, persistent="true")
        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image)
        disk.request_panic(image)
        self.wait_domstate("panicky", "crashed (panicked)")
        self.assertIn("Kernel panic", self.console("panicky"))
        r = self.agent("monitor", **p)
        self.assertRc(r, 7, "a panicked guest is not running")
        self.assertIn("crashed", r.exit_reason())
        # on_crash=preserve keeps QEMU for a dump; stop ends it.
        self.assertTrue(proc.pid_alive(self.lv.qemu_pid("panicky")))
        self.assertRc(self.agent("stop", **p), 0)
        self.assertEqual(self.domstate("panicky"), "shut off (destroyed)")

    def test_transient_start_never_undefines_an_existing_definition(self):
        config, image = self.make_guest("admins")
        self.lv.virsh("define", config)
        r = self.agent("start", config=config)
        self.assertIn("without undefining", r.stderr)
        if r.rc == 0:
            self.wait_writing(image)
            self.assertRc(self.agent("stop", config=config), 0)
        self.assertTrue(self.defined("admins"), f"definition must survive: {r!r}")


class IoErrorPause(AgentTestCase):
    listen_addr = "127.0.0.73"

    def nbd_guest(self, name):
        image = os.path.join(self.lv.workdir, f"{name}.img")
        disk.make_disk(image)
        nbd = NbdExport(image, self.lv.workdir, export_name=name, error_filter=True)
        nbd.__enter__()
        self.addCleanup(nbd.close)
        config, _ = self.make_guest(name, nbd=nbd)
        return nbd, config, image

    def pause(self, nbd, name, image):
        self.wait_writing(image)
        nbd.fail_on()
        self.wait_domstate(name, "paused (I/O error)")
        return disk.latest_counter(image)

    def test_kill_destroys_after_deadline(self):
        nbd, config, image = self.nbd_guest("killme")
        p = dict(config=config, resume_behavior="kill", kill_paused_after=4)
        self.assertRc(self.agent("start", **p), 0)
        self.pause(nbd, "killme", image)
        paused_at = time.monotonic()
        r = self.agent("monitor", **p)
        self.assertRc(r, 190, "degraded while resume is still possible")
        self.assertIn("I/O error", r.exit_reason())
        # The monitor tried a resume; the disk still fails, so it is not "running".
        self.assertIn("paused again", r.exit_reason())

        def killed():
            res = self.agent("monitor", **p)
            return res.rc == 7 and res
        r = wait("the kill deadline", killed, timeout=20, interval=0.5)
        self.assertGreaterEqual(time.monotonic() - paused_at, 4.0, "never before kill_paused_after")
        self.assertIn("kill_paused_after", r.exit_reason())
        self.assertEqual(self.domstate("killme"), "absent")

    def test_kill_resumes_when_storage_returns_in_time(self):
        nbd, config, image = self.nbd_guest("saved")
        p = dict(config=config, resume_behavior="kill", kill_paused_after=60)
        self.assertRc(self.agent("start", **p), 0)
        stuck = self.pause(nbd, "saved", image)
        self.assertRc(self.agent("monitor", **p), 190)
        nbd.fail_off()
        self.assertRc(self.agent("monitor", **p), 0)
        self.wait_writing(image, stuck)

    def test_auto_resume_after_nbd_server_restart(self):
        nbd, config, image = self.nbd_guest("bounce")
        p = dict(config=config, resume_behavior="auto_resume")
        self.assertRc(self.agent("start", **p), 0)
        last = self.wait_writing(image)
        nbd.kill()
        self.wait_domstate("bounce", "paused (I/O error)")
        self.assertRc(self.agent("monitor", **p), 190)
        nbd.restart()
        # QEMU reconnects in the background; until then a resume re-pauses.
        wait("monitor to resume the guest",
             lambda: self.agent("monitor", **p).rc == 0, timeout=30, interval=0.5)
        self.wait_writing(image, last)

    def test_leave_paused_stays_paused(self):
        nbd, config, image = self.nbd_guest("stay")
        p = dict(config=config, resume_behavior="leave_paused", kill_paused_after=1)
        self.assertRc(self.agent("start", **p), 0)
        self.pause(nbd, "stay", image)
        # The agent counts kill_paused_after from the first monitor that
        # sees the pause: one now, so that the deadline really passes.
        self.assertRc(self.agent("monitor", **p), 190)
        nbd.fail_off()
        time_paused = time.monotonic()
        wait("past kill_paused_after", lambda: time.monotonic() - time_paused > 1.5, timeout=5)
        self.assertRc(self.agent("monitor", **p), 190)
        self.assertEqual(self.domstate("stay"), "paused (I/O error)")


class HungLibvirtd(AgentTestCase):
    listen_addr = "127.0.0.74"

    def stopped_daemon(self):
        os.kill(self.lv.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.lv.pid, signal.SIGCONT)

    def running_guest(self, name):
        """Starts a guest under the agent; returns (params, image, QEMU pid)."""
        config, image = self.make_guest(name)
        p = dict(config=config, libvirt_timeout=2)
        self.assertRc(self.agent("start", **p), 0)
        self.wait_writing(image)
        return p, image, self.lv.qemu_pid(name)

    def test_hang_is_degraded_while_qemu_runs_and_not_running_once_it_died(self):
        p, image, qemu = self.running_guest("hang")
        self.stopped_daemon()

        r = self.agent("monitor", **p)
        self.assertRc(r, 190, "a hung libvirtd is not a stopped guest")
        self.assertIn("not answering", r.exit_reason())
        self.assertLess(r.seconds, 6, "bounded by libvirt_timeout")

        os.kill(qemu, signal.SIGKILL)
        wait("QEMU to die", lambda: not proc.pid_alive(qemu))
        r = self.agent("monitor", **p)
        self.assertRc(r, 7, "the pidfile proves no QEMU runs")

    def test_stopped_daemon_is_degraded_while_qemu_runs_and_not_running_once_it_died(self):
        p, image, qemu = self.running_guest("nodaemon")
        daemon = self.lv.pid
        self.lv.stop_libvirtd()
        self.addCleanup(lambda: self.lv.pid == daemon and self.lv.start_libvirtd())
        self.assertFalse(proc.pid_alive(daemon))

        r = self.agent("monitor", **p)
        self.assertRc(r, 190, "libvirtd gone, its guest alive")
        self.assertIn("libvirtd is not answering", r.exit_reason())
        self.assertIn("QEMU runs", r.exit_reason())
        self.assertLess(r.seconds, 6)
        last = disk.latest_counter(image)
        self.wait_writing(image, last)  # the guest really runs on

        os.kill(qemu, signal.SIGKILL)
        wait("QEMU to die", lambda: not proc.pid_alive(qemu))
        self.assertRc(self.agent("monitor", **p), 7, "the pidfile proves no QEMU runs")
        self.lv.start_libvirtd()
        # libvirtd finds the dead QEMU as it reconnects to its domains, not
        # necessarily before it answers.
        self.wait_domstate("nodaemon", "absent")
        self.assertRc(self.agent("monitor", **p), 7, "and libvirtd agrees once back")

    def test_stop_while_hung_kills_qemu(self):
        p, image, qemu = self.running_guest("hangstop")
        self.stopped_daemon()
        r = self.agent("stop", **p)
        self.assertRc(r, 0)
        self.assertFalse(proc.pid_alive(qemu))
        self.assertIn("killed", r.exit_reason() + r.stderr)

    def test_start_while_hung_fails_generic(self):
        config, _ = self.make_guest("hangstart")
        self.stopped_daemon()
        r = self.agent("start", config=config, libvirt_timeout=1)
        self.assertRc(r, 1)


class Migration(AgentTestCase):
    listen_addr = "127.0.0.77"

    def test_live_migration_between_two_daemons(self):
        target = PrivateLibvirtd("migtarget", listen_addr="127.0.0.78",
                                 migration_ports=(49300, 49315))
        target.__enter__()
        self.addCleanup(target.close)
        # An NBD disk both daemons reach, as cluster nodes reach shared
        # storage (libvirt refuses to migrate a guest on a local file).
        image = os.path.join(self.lv.workdir, "mover.img")
        disk.make_disk(image)
        nbd = NbdExport(image, self.lv.workdir, export_name="mover")
        nbd.__enter__()
        self.addCleanup(nbd.close)
        config, _ = self.make_guest("mover", nbd=nbd)
        p = dict(config=config, persistent="true", remoteuri="qemu+tcp://%n/system")
        self.assertRc(self.agent("start", **p), 0)
        before = self.wait_writing(image)
        moved = self.agent("migrate_to", env={"OCF_RESKEY_CRM_meta_migrate_target": "127.0.0.78"}, **p)
        self.assertRc(moved, 0)
        self.assertEqual(self.domstate("mover"), "absent", "undefined at the source")
        self.assertEqual(target.virsh("domstate", "mover"), "running")
        # migrate_from runs on the target node.
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_RESOURCE_INSTANCE": "vm",
             "VMHA_RUN_DIR": self.run_dir, "OCF_RESKEY_config": config,
             "OCF_RESKEY_persistent": "true"}
        cp = target.run([agent_path(), "migrate_from"], check=False, env=e)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        meta = target.virsh("metadata", "mover", "https://vmha.dev/xmlns/libvirt-ha/1")
        self.assertIn('resource="vm"', meta)
        self.wait_writing(image, before)
        cp = target.run([agent_path(), "stop"], check=False, env=dict(e, OCF_RESKEY_force_stop="true"))
        self.assertEqual(cp.returncode, 0, cp.stderr)
        # Without a target, migrate_to cannot proceed.
        self.assertRc(self.agent("migrate_to", **p), 1)


class StopWithoutUsableParameters(AgentTestCase):
    listen_addr = "127.0.0.79"

    def test_stop_finds_the_domain_started_here(self):
        config, image = self.make_guest("orphan")
        self.assertRc(self.agent("start", config=config), 0)
        last = self.wait_writing(image)
        # The config file gone from this node: the name recorded at start.
        hidden = config + ".hidden"
        os.rename(config, hidden)
        r = self.agent("stop", config=config)
        self.assertRc(r, 0)
        self.assertIn("domain orphan shut down", r.stderr)
        self.assertEqual(self.domstate("orphan"), "absent")
        os.rename(hidden, config)

        # Parameters that no longer parse: name and hypervisor recorded at start.
        self.assertRc(self.agent("start", config=config), 0)
        self.wait_writing(image, last)
        r = self.agent("stop", config=config, resume_behavior="bogus")
        self.assertRc(r, 0)
        self.assertIn("domain orphan shut down (with invalid parameters", r.stderr)
        self.assertEqual(self.domstate("orphan"), "absent")
        # Nothing started here any more: success without libvirt.
        self.assertRc(self.agent("stop", config=config, resume_behavior="bogus"), 0)


class BadInput(AgentTestCase):
    listen_addr = "127.0.0.75"

    def one_line(self, r):
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("ocf-exit-reason:"), lines[0])

    def test_exit_codes(self):
        config, _ = self.make_guest("bad")
        for action in ("validate-all", "start", "monitor", "reload", "migrate_to"):
            r = self.agent(action, config=config, resume_behavior="bogus")
            self.assertRc(r, 6, action)
            self.one_line(r)
            self.assertIn("resume_behavior", r.exit_reason())
        r = self.agent("validate-all", config=config, kill_paused_after="soon")
        self.assertRc(r, 6)
        # Valid, but on a transient domain it needs vmha-eventd: a warning.
        r = self.agent("validate-all", config=config, guest_shutdown="stop")
        self.assertRc(r, 0)
        self.assertIn("only where vmha-eventd runs", r.stderr)
        r = self.agent("validate-all", config=config, guest_shutdown="stop", persistent="true")
        self.assertNotIn("vmha-eventd", r.stderr)
        missing = os.path.join(self.lv.workdir, "missing.xml")
        for action in ("validate-all", "start"):
            r = self.agent(action, config=missing)
            self.assertRc(r, 2, action)
            self.one_line(r)
        self.assertRc(self.agent("monitor", config=missing,
                                 env={"OCF_RESKEY_CRM_meta_interval": "0"}), 7)
        self.assertRc(self.agent("stop", config=missing), 0)
        r = self.lv.run([os.path.join(proc.build_dir(), "ocf/resource.d/vmha/VirtualMachine"),
                         "migrate"], check=False, env={"OCF_RESKEY_config": config})
        self.assertEqual(r.returncode, 3)


if __name__ == "__main__":
    unittest.main()
