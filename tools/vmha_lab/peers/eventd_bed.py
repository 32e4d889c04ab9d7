"""A test bed for vmha-eventd: a one-host cluster whose Pacemaker runs
ocf:vmha:EventDaemon and ocf:vmha:VirtualMachine from the build tree,
beside a private libvirtd whose guests' disks are NBD exports with
injectable I/O errors. Used by the eventd integration tests and by
bench/events, so both measure the same thing."""

import os
import re
import sqlite3
import xml.etree.ElementTree as ET

from . import disk, proc
from .cluster import Cluster
from .domain_xml import domain_xml
from .guest_image import GuestImage
from .libvirtd import PrivateLibvirtd
from .nbd import NbdExport


class EventdBed(proc.Peer):
    def __init__(self, name="ev1", subnet_index=31, listen_addr="127.0.0.95",
                 migration_ports=(49500, 49515), eventd_params=(), eventd_meta=()):
        self.name = name
        self.subnet_index = subnet_index
        self.listen_addr = listen_addr
        self.migration_ports = migration_ports
        self.eventd_params = list(eventd_params)
        self.eventd_meta = list(eventd_meta)
        self.lv = None
        self.cluster = None
        self._closers = []

    def start(self):
        self.image = GuestImage.get()
        build = proc.build_dir()
        ocf = os.path.join(build, "ocf", "resource.d", "vmha")
        self.lv = PrivateLibvirtd(self.name, listen_addr=self.listen_addr,
                                  migration_ports=self.migration_ports)
        self.lv.__enter__()
        self._closers.append(self.lv.close)
        self.cluster = Cluster(n_hosts=1, name=self.name, subnet_index=self.subnet_index,
                               overlay_agents={
            "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", os.path.join(ocf, "VirtualMachine")),
                                             ("EventDaemon", os.path.join(ocf, "EventDaemon"))],
            "/usr/sbin": [("vmha-eventd", os.path.join(build, "tools", "vmha-eventd", "vmha-eventd"))]})
        self._closers.append(self.cluster.close)
        self.host = self.cluster.hosts[0]
        self.cluster.wait_online(timeout=60)
        self.hypervisor = "qemu:///system?socket=" + os.path.join(self.lv.workdir, "run", "libvirt",
                                                                  "libvirt-sock")
        self.logfile = os.path.join(self.lv.workdir, "eventd.log")
        self.journal = os.path.join(self.lv.workdir, "journal.db")
        self.host.run(["pcs", "resource", "create", "eventd", "ocf:vmha:EventDaemon",
                       f"hypervisor={self.hypervisor}", f"logfile={self.logfile}",
                       f"journal={self.journal}", "libvirt_grace=1000", *self.eventd_params,
                       *(["meta", *self.eventd_meta] if self.eventd_meta else []),
                       "op", "monitor", "interval=5s"])
        proc.wait_until(lambda: self.started("eventd"), 30, what="eventd to start")
        proc.wait_until(lambda: "resynchronised" in self.daemon_log(), 20,
                        what="the daemon's first resync")

    def close(self):
        while self._closers:
            self._closers.pop()()

    def crm_mon(self):
        cp = self.host.run(["crm_mon", "-1", "--output-as=xml", "-A"], timeout=30, check=False)
        return ET.fromstring(cp.stdout) if cp.returncode == 0 else None

    def started(self, rid):
        mon = self.crm_mon()
        return mon is not None and any(
            r.get("id") == rid and r.get("role") == "Started" and r.get("failed") == "false"
            for r in mon.iter("resource"))

    def daemon_log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def journal_rows(self, subject, what_prefix, kind=None, outcome=None):
        """The daemon's journal rows about subject whose `what` starts with
        what_prefix (read-only while the daemon writes: WAL lets both go on)."""
        db = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True, timeout=5)
        try:
            cur = db.execute("SELECT * FROM events")
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, r)) for r in cur.fetchall()]
        finally:
            db.close()
        return [r for r in rows if r["subject"] == subject and r["what"].startswith(what_prefix)
                and (kind is None or r["kind"] == kind) and (outcome is None or r["outcome"] == outcome)]

    def attr(self, name):
        cp = self.host.run(["attrd_updater", "-Q", "-n", name], check=False, timeout=20)
        m = re.search(r'value="([^"]*)"', cp.stdout)
        return m.group(1) if m else None

    def start_call(self, rid):
        """The call id of rid's last start (the CIB keeps only the last one,
        so a new start shows as a higher call id); 0 if none."""
        cp = self.host.run(["cibadmin", "-Q", "-o", "status"], timeout=30)
        status = ET.fromstring(cp.stdout)
        return max([int(op.get("call-id", "0")) for op in status.iter("lrm_rsc_op")
                    if op.get("operation") == "start" and op.get("id", "").startswith(f"{rid}_")],
                   default=0)

    def domstate(self, name):
        cp = self.lv.run(["virsh", "domstate", "--reason", name], check=False, timeout=20)
        return cp.stdout.strip() if cp.returncode == 0 else "absent"

    def add_guest(self, name, monitor="60s", **params):
        """An NBD-backed guest under VirtualMachine (started, not yet
        necessarily writing); returns (nbd export, disk image, cleanup)."""
        image = os.path.join(self.lv.workdir, f"{name}.img")
        disk.make_disk(image)
        nbd = NbdExport(image, self.lv.workdir, export_name=name, error_filter=True)
        nbd.__enter__()
        xml = os.path.join(self.lv.workdir, f"{name}.xml")
        with open(xml, "w") as f:
            f.write(domain_xml(name, self.image, nbd=nbd))
        extra = [f"{k}={v}" for k, v in params.items()]
        self.host.run(["pcs", "resource", "create", name, "ocf:vmha:VirtualMachine",
                       f"config={xml}", f"hypervisor={self.hypervisor}", *extra,
                       "op", "monitor", f"interval={monitor}", "timeout=30s"])

        def cleanup():
            self.host.run(["pcs", "resource", "delete", name, "--force"], check=False, timeout=60)
            self.lv.run(["virsh", "destroy", name], check=False, timeout=30)
            nbd.close()
        proc.wait_until(lambda: self.started(name), 30, what=f"{name} to start")
        return nbd, image, cleanup
