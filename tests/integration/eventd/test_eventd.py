# ctest-labels: slow cluster
# ctest-timeout: 600
"""vmha-eventd run by Pacemaker (ocf:vmha:EventDaemon) in a real one-host
cluster, beside ocf:vmha:VirtualMachine guests of a private libvirtd whose
disks are NBD exports with injectable I/O errors. Guest monitors run every
60 s, so whatever happens within seconds is the daemon's doing."""

import os
import re
import signal
import sys
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_harness import disk, proc
from vmha_harness.cluster import Cluster
from vmha_harness.domain_xml import domain_xml
from vmha_harness.guest_image import GuestImage
from vmha_harness.libvirtd import PrivateLibvirtd
from vmha_harness.nbd import NbdExport

BOOT_TIMEOUT = 45
ACTION_TIMEOUT = 30


def log(msg):
    print(f"[eventd] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=ACTION_TIMEOUT, interval=0.05):
    try:
        return proc.wait_until(predicate, timeout, interval=interval, what=what)
    except proc.HarnessError as e:
        raise AssertionError(str(e)) from None


class EventDaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.image = GuestImage.get()
        build = proc.build_dir()
        ocf = os.path.join(build, "ocf", "resource.d", "vmha")
        cls.lv = PrivateLibvirtd("eventd", listen_addr="127.0.0.95", migration_ports=(49500, 49515))
        cls.lv.__enter__()
        cls.addClassCleanup(cls.lv.close)
        cls.cluster = Cluster(n_hosts=1, name="ev1", subnet_index=31, overlay_agents={
            "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", os.path.join(ocf, "VirtualMachine")),
                                             ("EventDaemon", os.path.join(ocf, "EventDaemon"))],
            "/usr/sbin": [("vmha-eventd", os.path.join(build, "tools", "vmha_eventd", "vmha-eventd"))]})
        cls.addClassCleanup(cls.cluster.close)
        cls.host = cls.cluster.hosts[0]
        cls.cluster.wait_online(timeout=60)
        cls.hypervisor = "qemu:///system?socket=" + os.path.join(cls.lv.workdir, "run", "libvirt",
                                                                 "libvirt-sock")
        cls.logfile = os.path.join(cls.lv.workdir, "eventd.log")
        cls.journal = os.path.join(cls.lv.workdir, "journal.db")
        cls.host.run(["pcs", "resource", "create", "eventd", "ocf:vmha:EventDaemon",
                      f"hypervisor={cls.hypervisor}", f"logfile={cls.logfile}",
                      f"journal={cls.journal}", "libvirt_grace=1000",
                      "op", "monitor", "interval=5s"])
        wait("eventd to start", lambda: cls.started("eventd"), 30)
        wait("the daemon's first resync", lambda: "resynchronised" in cls.daemon_log(), 20)

    @classmethod
    def crm_mon(cls):
        cp = cls.host.run(["crm_mon", "-1", "--output-as=xml", "-A"], timeout=30, check=False)
        return ET.fromstring(cp.stdout) if cp.returncode == 0 else None

    @classmethod
    def started(cls, rid):
        mon = cls.crm_mon()
        if mon is None:
            return False
        return any(r.get("id") == rid and r.get("role") == "Started" and r.get("failed") == "false"
                   for r in mon.iter("resource"))

    @classmethod
    def daemon_log(cls):
        try:
            with open(cls.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def run(self, result=None):
        # On failure, show what the daemon saw and did.
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            log("daemon log tail:\n" + "\n".join(self.daemon_log().splitlines()[-60:]))
        return out

    def attr(self, name):
        cp = self.host.run(["attrd_updater", "-Q", "-n", name], check=False, timeout=20)
        m = re.search(r'value="([^"]*)"', cp.stdout)
        return m.group(1) if m else None

    def start_ops(self, rid):
        """The call id of rid's last start on the host (the CIB keeps only the
        last one, so a new start shows as a higher call id); 0 if none."""
        cp = self.host.run(["cibadmin", "-Q", "-o", "status"], timeout=30)
        status = ET.fromstring(cp.stdout)
        return max([int(op.get("call-id", "0")) for op in status.iter("lrm_rsc_op")
                    if op.get("operation") == "start" and op.get("id", "").startswith(f"{rid}_")],
                   default=0)

    def guest(self, name, **params):
        """An NBD-backed guest under VirtualMachine with a 60 s monitor;
        returns (nbd, image)."""
        image = os.path.join(self.lv.workdir, f"{name}.img")
        disk.make_disk(image)
        nbd = NbdExport(image, self.lv.workdir, export_name=name, error_filter=True)
        nbd.__enter__()
        self.addCleanup(nbd.close)
        xml = os.path.join(self.lv.workdir, f"{name}.xml")
        with open(xml, "w") as f:
            f.write(domain_xml(name, self.image, nbd=nbd))
        self.addCleanup(self.lv.run, ["virsh", "destroy", name], check=False, timeout=30)
        self.addCleanup(self.delete_resource, name)
        extra = [f"{k}={v}" for k, v in params.items()]
        self.host.run(["pcs", "resource", "create", name, "ocf:vmha:VirtualMachine",
                       f"config={xml}", f"hypervisor={self.hypervisor}", *extra,
                       "op", "monitor", "interval=60s", "timeout=30s"])
        wait(f"{name} to start", lambda: self.started(name), 30)
        self.wait_writing(image)
        return nbd, image

    def delete_resource(self, rid):
        self.host.run(["pcs", "resource", "delete", rid, "--force"], check=False, timeout=60)

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

    def test_libvirtd_restart_reconnects_and_resyncs(self):
        before = self.daemon_log().count("resynchronised")
        self.lv.restart()
        wait("a resync after the restart", lambda: self.daemon_log().count("resynchronised") > before, 20)
        self.assertEqual(self.attr("#health-vmha-libvirt"), "green")


if __name__ == "__main__":
    unittest.main()
