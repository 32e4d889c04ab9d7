# ctest-labels: slow cluster storage
# ctest-timeout: 600
"""The rescue end to end, in a real two-host Corosync + Pacemaker cluster:
vmha-eventd (ocf:vmha:EventDaemon, a clone) sees the guest's host lose its
storage path while the other host's works, asks for the rescue, and
Pacemaker live-migrates the guest, still paused, through
ocf:vmha:VirtualMachine's migrate_to and migrate_from; it resumes there with
its memory. And when both hosts' storage fails, nothing moves and the guest
resumes where it was once storage returns.

Each host has its own private libvirtd (reached as qemu:///system through
/run/libvirt in the host), its own path to the guest's raw image (an nbdkit
per daemon, at the same path inside each daemon's namespace) and its own
heartbeat disk (a HangableDisk, as /run/vmha-hb/disk in the host). The
source's storage dies: its nbdkit is killed (a dead backend, which nbdkit's
error filter cannot imitate) and its heartbeat fails."""

import os
import sqlite3
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_harness import checks
from vmha_lab.peers import disk, proc
from vmha_lab.peers.cluster import Cluster
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_harness.hangdisk import HangableDisk
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport

NAME = "rsq"
GUEST = "g1"
BOOT_TIMEOUT = 60
KILL_AFTER = 40


def log(msg):
    print(f"[eventd rescue] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=30, interval=0.05):
    return checks.expect_within(what, predicate, timeout, interval)


class Side:
    """One host with its daemon, its path to the image and its heartbeat."""

    def __init__(self, host, lv, hb):
        self.host = host
        self.lv = lv
        self.hb = hb
        self.nbd = None

    @property
    def journal(self):
        return os.path.join(self.host.dir, "var-lib-pacemaker", "vmha-journal.db")

    def rows(self, what_prefix, subject=GUEST, since_ms=0):
        """Journal rows about subject whose `what` starts with what_prefix,
        from since_ms (wall clock) on."""
        if not os.path.exists(self.journal):
            return []
        db = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True, timeout=5)
        try:
            return [dict(zip(("time_ms", "what", "outcome", "detail"), r)) for r in db.execute(
                "SELECT time, what, outcome, detail FROM events WHERE subject=? AND what LIKE ? "
                "AND time >= ? ORDER BY id", (subject, what_prefix + "%", since_ms))]
        finally:
            db.close()

    def domstate(self):
        cp = self.lv.run(["virsh", "domstate", "--reason", GUEST], check=False, timeout=20)
        return cp.stdout.strip() if cp.returncode == 0 else "absent"


class RescueInClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="vmha-rescue-cluster-")
        cls.addClassCleanup(proc.run, ["rm", "-rf", cls.tmp])
        os.chmod(cls.tmp, 0o755)
        cls.image_set = GuestImage.get()
        build = proc.build_dir()
        ocf = os.path.join(build, "ocf", "resource.d", "vmha")
        names = {f"{NAME}-h1": "127.0.0.123", f"{NAME}-h2": "127.0.0.124"}
        lvs, hbs = [], []
        for i, (node, addr) in enumerate(names.items()):
            lv = PrivateLibvirtd(f"rsq{i + 1}", listen_addr=addr,
                                 migration_ports=(49740 + 20 * i, 49755 + 20 * i), hosts=names)
            lv.__enter__()
            cls.addClassCleanup(lv.close)
            hb = HangableDisk(cls.tmp, size_mib=8, name=f"hb{i + 1}")
            cls.addClassCleanup(hb.close)
            hb.start()
            lvs.append(lv)
            hbs.append(hb)
        cls.cluster = Cluster(n_hosts=2, name=NAME, subnet_index=37, overlay_agents={
            "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", os.path.join(ocf, "VirtualMachine")),
                                             ("EventDaemon", os.path.join(ocf, "EventDaemon"))],
            "/usr/sbin": [("vmha-eventd", os.path.join(build, "tools", "vmha-eventd", "vmha-eventd"))]})
        cls.addClassCleanup(cls.cluster.close)
        cls.cluster.wait_online(timeout=90)
        cls.sides = [Side(h, lv, hb) for h, lv, hb in zip(cls.cluster.hosts, lvs, hbs)]
        for s in cls.sides:
            # The host's qemu:///system is its own daemon.
            s.host.run(["ln", "-s", os.path.join(s.lv.workdir, "run", "libvirt"), "/run/libvirt"])
            s.host.run(["mkdir", "-p", "/run/vmha-hb"])
            s.host.run(["ln", "-s", s.hb.path, "/run/vmha-hb/disk"])
        cls.h1 = cls.sides[0].host
        cls.h1.run(["pcs", "resource", "create", "eventd", "ocf:vmha:EventDaemon",
                    "heartbeat_paths=/run/vmha-hb/disk", "heartbeat_interval=500",
                    "heartbeat_timeout=1000", "yellow_after=1", "red_after=3",
                    "journal=/var/lib/pacemaker/vmha-journal.db",
                    "logfile=/var/log/pacemaker/vmha-eventd.log",
                    "op", "monitor", "interval=5s", "meta", "requires=nothing", "clone"])
        wait("vmha-eventd on both hosts",
             lambda: all(os.path.exists(s.journal) and s.rows("resynchronised", subject="qemu:///system")
                         for s in cls.sides), timeout=60)

    # -- the guest ----------------------------------------------------------

    def setUp(self):
        self.image = os.path.join(self.tmp, f"{GUEST}.img")
        disk.make_disk(self.image)
        for s in self.sides:
            d = os.path.join(s.lv.workdir, "run", "vmha-nbd")
            os.makedirs(d, exist_ok=True)
            s.nbd = NbdExport(self.image, d, export_name=GUEST)
            s.nbd.__enter__()
            self.addCleanup(s.nbd.close)

        class HostPath:
            export_name = GUEST
            socket = f"/run/vmha-nbd/nbd-{GUEST}.sock"

        config = os.path.join(self.tmp, f"{GUEST}.xml")
        with open(config, "w") as f:
            f.write(domain_xml(GUEST, self.image_set, nbd=HostPath()))
        self.addCleanup(self.remove_guest)
        self.h1.run(["pcs", "resource", "create", GUEST, "ocf:vmha:VirtualMachine", f"config={config}",
                     "remoteuri=qemu+tcp://%n/system", "resume_behavior=kill",
                     f"kill_paused_after={KILL_AFTER}",
                     "op", "monitor", "interval=10s", "timeout=30s",
                     "op", "migrate_to", "timeout=60s", "op", "migrate_from", "timeout=30s",
                     "meta", "allow-migrate=true", "--disabled"])
        self.h1.run(["pcs", "constraint", "location", GUEST, "prefers", f"{NAME}-h1=50"])
        self.h1.run(["pcs", "constraint", "location", GUEST, "rule", "score=-50",
                     "#health-vmha-storage", "eq", "red"])
        self.h1.run(["pcs", "resource", "enable", GUEST])
        wait(f"{GUEST} to run on h1", lambda: self.where() == f"{NAME}-h1", timeout=BOOT_TIMEOUT)
        self.wait_writing()

    def remove_guest(self):
        self.h1.run(["pcs", "resource", "delete", GUEST, "--force"], check=False, timeout=90)
        for s in self.sides:
            s.lv.run(["virsh", "destroy", GUEST], check=False, timeout=30)
            s.hb.fail_off()
        wait("the guest's attributes to go", lambda: not any(self.attr(s, f"vmha-guest-{GUEST}")
                                                               for s in self.sides), timeout=30)
        wait("green storage again", lambda: all(self.attr(s, "#health-vmha-storage") == "green"
                                                for s in self.sides), timeout=30)

    def where(self):
        """The node Pacemaker runs the guest on (None: stopped or moving)."""
        cp = self.h1.run(["crm_mon", "-1", "--output-as=xml"], check=False, timeout=30)
        if cp.returncode != 0:
            return None
        for r in ET.fromstring(cp.stdout).iter("resource"):
            if r.get("id") == GUEST and r.get("role") == "Started" and r.get("failed") == "false":
                nodes = [n.get("name") for n in r.iter("node")]
                return nodes[0] if len(nodes) == 1 else None
        return None

    def attr(self, side, name):
        cp = self.h1.run(["crm_attribute", "-l", "reboot", "-N", side.host.name, "-n", name, "-q"],
                         check=False, timeout=20)
        return cp.stdout.strip() if cp.returncode == 0 else ""

    def wait_writing(self, after=-1, timeout=BOOT_TIMEOUT):
        def progressed():
            latest = disk.latest_counter(self.image)
            return latest is not None and latest >= after + 3 and latest
        return wait("records on the guest's disk", progressed, timeout)

    def failures(self):
        """Failed operations, but for the monitor's 190 (degraded: paused),
        which Pacemaker lists among them."""
        cp = self.h1.run(["crm_mon", "-1", "--output-as=xml", "--include=failures"], check=False, timeout=30)
        if cp.returncode != 0:
            return [cp.stderr]
        return [f.attrib for f in ET.fromstring(cp.stdout).iter("failure")
                if not (f.get("task") == "monitor" and f.get("exitcode") == "190")]

    def diagnostics(self):
        out = [self.cluster.logs(20)]
        noise = ("cib_perform_op", "cib_process_request", "Forwarding cib", "Completed cib")
        for s in self.sides:
            try:
                with open(os.path.join(s.host.dir, "log-pacemaker", "pacemaker.log"), errors="replace") as f:
                    lines = [l for l in f if GUEST in l and not any(n in l for n in noise)]
                out.append(f"--- pacemaker.log on {s.host.name} about {GUEST}\n" + "".join(lines[-80:]))
            except FileNotFoundError:
                pass
            try:
                with open(os.path.join(s.host.dir, "log-pacemaker", "vmha-eventd.log"), errors="replace") as f:
                    out.append(f"--- vmha-eventd on {s.host.name}\n" + "".join(f.readlines()[-60:]))
            except FileNotFoundError:
                pass
        return "\n".join(out)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            log(self.diagnostics())
        return out

    # -- tests ---------------------------------------------------------------

    def test_rescue_moves_the_paused_guest_to_the_host_whose_storage_works(self):
        src, dst = self.sides
        boot = disk.read_records(self.image)[-1].boot_id
        t_cut = time.monotonic()
        wall_cut_ms = time.time() * 1000
        src.hb.fail_on()
        src.nbd.kill()
        last = wait("the guest to pause", lambda: "I/O error" in src.domstate() and
                    disk.latest_counter(self.image), timeout=20)
        t_paused = time.monotonic()
        first = wait("a record written on h2", lambda: (disk.latest_counter(self.image) or -1) > last,
                     timeout=60, interval=0.02)
        t_first = time.monotonic()
        self.assertEqual(dst.domstate(), "running (unpaused)")
        self.assertEqual(src.domstate(), "absent")
        wait("Pacemaker to show the guest on h2", lambda: self.where() == f"{NAME}-h2")
        self.wait_writing(first + 5, timeout=20)
        records = disk.read_records(self.image)
        self.assertEqual({r.boot_id for r in records}, {boot}, "the guest rebooted")
        counters = [r.counter for r in records]
        self.assertEqual(counters, list(range(counters[0], counters[0] + len(counters))),
                         "records lost or repeated")
        self.assertIn(last + 1, counters, "the write that failed on h1 landed")
        self.assertEqual(self.failures(), [], "no operation failed")
        # The daemon's rule, and its journal of each step on each host.
        rule = self.cluster.cib_query(f"//rsc_location[@id='vmha-rescue-{GUEST}']")
        self.assertIn(f'attribute="vmha-guest-{GUEST}"', rule)
        steps = {}
        for side, what in ((src, "paused on I/O error"), (src, "rescue requested"),
                           (src, "rescue: disks moved to stand-ins"),
                           (src, f"rescue: migrated paused to {NAME}-h2"), (dst, "rescue: resumed")):
            rows = side.rows(what, since_ms=wall_cut_ms)
            self.assertTrue(rows, f"no journal row {what!r} on {side.host.name}")
            self.assertTrue(all(r["outcome"] in ("", "ok") for r in rows), rows)
            steps[what] = (rows[0]["time_ms"] - wall_cut_ms) / 1000
        self.assertFalse(src.rows("rescue withdrawn", since_ms=wall_cut_ms))
        # h1 stays banned while its storage fails, then the ban goes.
        self.assertEqual(self.attr(src, f"vmha-guest-{GUEST}"), "rescue")
        src.hb.fail_off()
        wait("the ban to be lifted", lambda: self.attr(src, f"vmha-guest-{GUEST}") == "", timeout=20)
        self.assertTrue(src.rows("rescue: ban lifted", since_ms=wall_cut_ms))
        self.assertEqual(self.where(), f"{NAME}-h2", "stickiness keeps it where it went")
        log("storage cut -> " + ", ".join(f"{w}: {t:.2f} s" for w, t in steps.items()) +
            f"; paused (libvirt, polled): {t_paused - t_cut:.2f} s; first write on h2: "
            f"{t_first - t_cut:.2f} s")

    def test_every_host_red_moves_nothing_and_the_guest_resumes_in_place(self):
        src, dst = self.sides
        boot = disk.read_records(self.image)[-1].boot_id
        wall_cut_ms = time.time() * 1000
        for s in self.sides:
            s.hb.fail_on()
        src.nbd.kill()
        last = wait("the guest to pause", lambda: "I/O error" in src.domstate() and
                    disk.latest_counter(self.image), timeout=20)
        wait("both hosts red", lambda: all(self.attr(s, "#health-vmha-storage") == "red" for s in self.sides))
        wait("the daemon to say why not", lambda: [
            r for r in src.rows("no rescue", since_ms=wall_cut_ms)
            if "no other online node has green storage" in r["detail"]])
        self.assertEqual(self.attr(src, f"vmha-guest-{GUEST}"), "paused-io")
        # Storage returns: the guest resumes where it was.
        src.nbd.start()
        for s in self.sides:
            s.hb.fail_off()
        self.wait_writing(last, timeout=30)
        self.assertEqual(self.where(), f"{NAME}-h1")
        self.assertEqual(dst.domstate(), "absent")
        self.assertFalse(src.rows("rescue requested", since_ms=wall_cut_ms))
        self.assertEqual({r.boot_id for r in disk.read_records(self.image)}, {boot})


if __name__ == "__main__":
    unittest.main()
