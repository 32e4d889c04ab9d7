# ctest-labels: slow
# ctest-timeout: 600
"""The rescue of a guest paused on I/O errors by ocf:vmha:VirtualMachine's
migrate_to and migrate_from, between two real private libvirtds, with a
TCG guest writing a numbered record every 100 ms to a raw disk on NBD.

Each daemon reaches the same image through its own nbdkit, at the same path
inside its mount namespace (/run/vmha-nbd/..., its private /run): the
guest's XML is the same on both hosts, as on a cluster whose hosts reach
shared storage by their own paths. The source's path dies with its server
(SIGKILL: nbdkit's error filter never fails flushes, so it would not
reproduce dead storage); the target's keeps working."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from agent_fixture import AgentTestCase, agent_path, wait
from vmha_lab.peers import disk, proc
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport

NBD_DIR = "/run/vmha-nbd"  # inside each daemon's namespace


def log(msg):
    print(f"[rescue] {msg}", file=sys.stderr, flush=True)


class HostPath:
    """The guest's disk as domain_xml() wants it: the same socket path on
    every host, served there by that host's own nbdkit."""

    def __init__(self, export_name):
        self.export_name = export_name
        self.socket = f"{NBD_DIR}/nbd-{export_name}.sock"


class Eventd:
    """vmha-eventd beside a daemon (no cluster: not quorate, isolation none,
    so it resumes nothing), for the journal the agent writes through it."""

    def __init__(self, lv, node, run_dir, journal):
        self.journal = journal
        self.log = os.path.join(os.path.dirname(journal), f"eventd-{node}.log")
        binary = os.path.join(proc.build_dir(), "tools", "vmha-eventd", "vmha-eventd")
        with open(self.log, "ab") as out:
            self.p = subprocess.Popen(lv.ns_cmd([binary, f"--node={node}", f"--run-dir={run_dir}",
                                                 f"--journal={journal}", "--isolation=none"]),
                                      stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        proc.wait_until(lambda: self.p.poll() is not None or "resynchronised" in self.text(), 30,
                        what=f"vmha-eventd on {node} to start")
        if self.p.poll() is not None:
            raise proc.HarnessError(f"vmha-eventd on {node} exited: {self.text()}")

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def close(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(15)


class Rescue(AgentTestCase):
    listen_addr = "127.0.0.121"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = PrivateLibvirtd("rescuetarget", listen_addr="127.0.0.122",
                                     migration_ports=(49720, 49735))
        cls.target.__enter__()
        cls.addClassCleanup(cls.target.close)
        cls.target_run_dir = tempfile.mkdtemp(prefix="vmha-agent-run-target-")
        cls.addClassCleanup(proc.run, ["rm", "-rf", cls.target_run_dir])
        journals = tempfile.mkdtemp(prefix="vmha-rescue-journal-")
        cls.addClassCleanup(proc.run, ["rm", "-rf", journals])
        cls.journals = []
        for lv, node, run_dir in ((cls.lv, "source", cls.run_dir), (cls.target, "target", cls.target_run_dir)):
            d = Eventd(lv, node, run_dir, os.path.join(journals, f"{node}.db"))
            cls.addClassCleanup(d.close)
            cls.journals.append(d.journal)

    # -- the guest and its two paths to storage ---------------------------

    def export(self, lv, image, name):
        d = os.path.join(lv.workdir, "run", "vmha-nbd")
        os.makedirs(d, exist_ok=True)
        nbd = NbdExport(image, d, export_name=name)
        nbd.__enter__()
        self.addCleanup(nbd.close)
        return nbd

    def guest(self, name, disk_format="raw", **params):
        """Starts a guest through the agent on the source; returns
        (agent parameters, image, source export)."""
        image = os.path.join(self.lv.workdir, f"{name}.img")
        if disk_format == "raw":
            disk.make_disk(image)
        else:
            proc.run(["qemu-img", "create", "-q", "-f", disk_format, image, "16M"])
        src = self.export(self.lv, image, name)
        self.export(self.target, image, name)
        xml = domain_xml(name, self.image, nbd=HostPath(name),
                         serial_log=os.path.join(self.lv.workdir, f"{name}.console"))
        xml = xml.replace("type='raw'", f"type='{disk_format}'")
        config = os.path.join(self.lv.workdir, f"{name}.xml")
        with open(config, "w") as f:
            f.write(xml)
        for lv in (self.lv, self.target):
            self.addCleanup(lv.run, ["virsh", "destroy", name], check=False)
            self.addCleanup(lv.run, ["virsh", "undefine", name], check=False)
        p = dict(config=config, persistent="true", remoteuri="qemu+tcp://%n/system",
                 resume_behavior="kill", kill_paused_after=300, **params)
        self.assertRc(self.agent("start", **p), 0)
        return p, image, src

    def kill_storage(self, name, src):
        """Kills the source's path and waits for the pause; returns the
        seconds from the kill to libvirt's report of it."""
        t0 = time.monotonic()
        src.kill()
        self.wait_domstate(name, "paused (I/O error)")
        return t0, time.monotonic() - t0

    def migrate_to(self, p):
        return self.agent("migrate_to", **p, env={
            "OCF_RESKEY_CRM_meta_migrate_target": "127.0.0.122",
            "OCF_RESKEY_CRM_meta_migrate_source": "127.0.0.121",
            "OCF_RESKEY_CRM_meta_timeout": "60000"})

    def migrate_from(self, p):
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
             "OCF_RESOURCE_INSTANCE": "vm", "VMHA_RUN_DIR": self.target_run_dir,
             "OCF_RESKEY_CRM_meta_timeout": "30000",
             "OCF_RESKEY_CRM_meta_migrate_source": "127.0.0.121",
             "OCF_RESKEY_CRM_meta_migrate_target": "127.0.0.122"}
        e.update({f"OCF_RESKEY_{k}": str(v) for k, v in p.items()})
        t0 = time.monotonic()
        cp = self.target.run([agent_path(), "migrate_from"], check=False, env=e, timeout=60)
        return cp, time.monotonic() - t0

    def target_state(self, name):
        cp = self.target.run(["virsh", "domstate", "--reason", name], check=False)
        return cp.stdout.strip() if cp.returncode == 0 else "absent"

    def qemu_status(self, lv, name):
        cp = lv.run(["virsh", "qemu-monitor-command", name, '{"execute":"query-status"}'])
        return json.loads(cp.stdout)["return"]["status"]

    def qmp(self, lv, name, command, arguments=None):
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        cp = lv.run(["virsh", "qemu-monitor-command", name, json.dumps(msg)])
        reply = json.loads(cp.stdout)
        self.assertIn("return", reply, f"{command}: {reply}")
        return reply["return"]

    def journal_rows(self, name):
        """The rescue's rows about domain name, source's then target's (the
        agent's, journalled by each node's daemon)."""
        rows = []
        for path in self.journals:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                rows += [dict(zip(("node", "what", "outcome", "detail"), r)) for r in db.execute(
                    "SELECT node, what, outcome, detail FROM events WHERE subject=? AND what LIKE 'rescue%' "
                    "ORDER BY id", (name,))]
            finally:
                db.close()
        return rows

    def assert_continuous(self, image, boot_id, through):
        """Every record of the guest's one boot, numbered without a gap or a
        repeat, through `through` at least."""
        records = disk.read_records(image)
        self.assertEqual({r.boot_id for r in records}, {boot_id}, "the guest rebooted")
        counters = [r.counter for r in records]
        self.assertEqual(counters, list(range(counters[0], counters[0] + len(counters))),
                         "records lost or repeated")
        self.assertGreaterEqual(counters[-1], through)

    def rescue(self, name, p, image, last_before):
        """migrate_to then migrate_from; checks the guest runs on the target
        with its memory and its writes; returns the figures."""
        moved = self.migrate_to(p)
        self.assertRc(moved, 0, "migrate_to")
        self.assertEqual(self.domstate(name), "absent", "still defined at the source")
        self.assertTrue(self.target_state(name).startswith("paused"), self.target_state(name))
        cp, from_s = self.migrate_from(p)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertIn("resumed after a rescue", cp.stderr)
        self.assertEqual(self.target_state(name), "running (unpaused)")
        boot = [r for r in disk.read_records(image) if r.counter == last_before][0].boot_id
        first = wait("a record written on the target",
                     lambda: (disk.latest_counter(image) or -1) > last_before, timeout=10, interval=0.01)
        t_first = time.monotonic()
        self.wait_writing(image, last_before + 5)
        self.assert_continuous(image, boot, last_before + 5)
        return moved.seconds, from_s, t_first, first

    # -- tests ---------------------------------------------------------------

    def test_rescue_off_dead_storage(self):
        p, image, src = self.guest("rescued")
        self.wait_writing(image)
        t_kill, pause_s = self.kill_storage("rescued", src)
        last = disk.latest_counter(image)
        to_s, from_s, t_first, _ = self.rescue("rescued", p, image, last)
        # The write that failed on the source was re-issued on the target.
        self.assertIn(last + 1, [r.counter for r in disk.read_records(image)])
        rows = self.journal_rows("rescued")
        whats = [r["what"] for r in rows]
        self.assertEqual({r["node"] for r in rows if r["what"] != "rescue: resumed"}, {"source"})
        self.assertEqual([r["node"] for r in rows if r["what"] == "rescue: resumed"], ["target"])
        for what in ("rescue migration asked", "rescue: disks moved to stand-ins",
                     "rescue: migrated paused to 127.0.0.122", "rescue: resumed"):
            self.assertIn(what, whats)
        self.assertTrue(all(r["outcome"] in ("", "ok") for r in rows), rows)
        swap = next(r for r in rows if r["what"] == "rescue: disks moved to stand-ins")
        self.assertIn("1 disk(s) on stand-ins; moved now: vda: libvirt-1-format", swap["detail"])
        self.assertIn("libvirt-1-storage", swap["detail"])
        with open(self.lv.qemu_log("rescued"), errors="replace") as f:
            self.assertIn("tainted: custom-monitor", f.read(), "libvirt marks the domain tainted")
        migrated = next(r for r in rows if r["what"].startswith("rescue: migrated paused"))
        resumed = next(r for r in rows if r["what"] == "rescue: resumed")
        log(f"storage killed -> libvirt reports the pause: {pause_s:.2f} s; migrate_to {to_s:.2f} s "
            f"(swap {swap['detail'].rsplit('; ', 1)[-1]}, migration {migrated['detail']}); "
            f"migrate_from {from_s:.2f} s ({resumed['detail']}); "
            f"storage killed -> first write on the target {t_first - t_kill:.2f} s "
            f"(agent calls started by hand, no cluster)")

    def test_plain_migration_first_is_recovered(self):
        p, image, src = self.guest("trapped")
        self.wait_writing(image)
        self.kill_storage("trapped", src)
        last = disk.latest_counter(image)
        # What the rescue must never do itself: a plain migration fails at
        # the hand-over flush and leaves QEMU refusing any other.
        plain = self.lv.run(["virsh", "migrate", "--live", "--p2p", "--persistent", "--undefinesource",
                             "trapped", "qemu+tcp://127.0.0.122/system"], check=False, timeout=60)
        self.assertNotEqual(plain.returncode, 0, "a plain migration off dead storage succeeded")
        self.assertEqual(self.qemu_status(self.lv, "trapped"), "postmigrate")
        again = self.lv.run(["virsh", "migrate", "--live", "--p2p", "trapped",
                             "qemu+tcp://127.0.0.122/system"], check=False, timeout=60)
        self.assertNotEqual(again.returncode, 0)
        log(f"plain migration: {plain.stderr.strip()}; a second: {again.stderr.strip()}")
        self.rescue("trapped", p, image, last)
        rows = self.journal_rows("trapped")
        swap = [r for r in rows if r["what"] == "rescue: disks moved to stand-ins"]
        self.assertIn("taken out of postmigrate", swap[-1]["detail"])

    def test_a_partial_swap_is_finished(self):
        p, image, src = self.guest("partial")
        self.wait_writing(image)
        self.kill_storage("partial", src)
        last = disk.latest_counter(image)
        # An earlier attempt died after adding the stand-in and starting its
        # job: the agent goes on from there.
        size = self.qmp(self.lv, "partial", "query-block")[0]["inserted"]["image"]["virtual-size"]
        standin = {"driver": "raw", "node-name": "vmha-libvirt-1-format",
                   "file": {"driver": "blkdebug", "node-name": "vmha-libvirt-1-format-d",
                            "image": {"driver": "null-co", "node-name": "vmha-libvirt-1-format-n",
                                      "size": size},
                            "inject-error": [{"event": "write_aio", "iotype": "write", "errno": 5},
                                             {"event": "read_aio", "iotype": "read", "errno": 5}]}}
        self.qmp(self.lv, "partial", "blockdev-add", standin)
        self.qmp(self.lv, "partial", "blockdev-mirror",
                 {"job-id": "vmha-libvirt-1-format-j", "device": "libvirt-1-format",
                  "target": "vmha-libvirt-1-format", "sync": "none"})
        self.rescue("partial", p, image, last)
        swap = [r for r in self.journal_rows("partial") if r["what"] == "rescue: disks moved to stand-ins"]
        self.assertIn("moved now: vda: libvirt-1-format", swap[-1]["detail"])

    def test_qcow2_is_refused(self):
        p, image, src = self.guest("qcow", disk_format="qcow2")
        wait("qcow to run", lambda: self.domstate("qcow") == "running (booted)", timeout=20)
        # Its records are inside the qcow2 image: the pause says it writes.
        self.kill_storage("qcow", src)
        r = self.migrate_to(p)
        self.assertRc(r, 1)
        self.assertIn("rescue of qcow refused: disk vda is qcow2 (node libvirt-1-format): "
                      "only raw disks", r.exit_reason())
        self.assertIn("kill_paused_after still applies", r.exit_reason())
        # Nothing was tried: the guest is as it was, and not marked.
        self.assertEqual(self.domstate("qcow"), "paused (I/O error)")
        self.assertEqual(self.qemu_status(self.lv, "qcow"), "io-error")
        self.assertEqual(self.target_state("qcow"), "absent")
        meta = self.lv.virsh("metadata", "qcow", "https://vmha.dev/xmlns/libvirt-ha/1")
        self.assertNotIn("rescue-since", meta)
        failed = [r for r in self.journal_rows("qcow") if r["outcome"] == "failed"]
        self.assertTrue(failed and "qcow2" in failed[-1]["detail"], self.journal_rows("qcow"))

    def test_a_guest_paused_by_an_administrator_stays_paused(self):
        p, image, _ = self.guest("held")
        self.wait_writing(image)
        self.lv.virsh("suspend", "held")
        self.wait_domstate("held", "paused (user)")
        last = disk.latest_counter(image)
        self.assertRc(self.migrate_to(p), 0)
        cp, _ = self.migrate_from(p)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertNotIn("rescue", cp.stderr)
        # Left paused: checked for a while, since a resume would take effect
        # within milliseconds.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            self.assertEqual(self.target_state("held"), "paused (user)")
            self.assertEqual(disk.latest_counter(image), last)
            time.sleep(0.2)
        self.assertEqual(self.journal_rows("held"), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
