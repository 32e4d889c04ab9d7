"""Runs ocf:vmha:VirtualMachine from the build tree inside a PrivateLibvirtd's
mount namespace (where qemu:///system and /run/libvirt/qemu are that daemon's),
as Pacemaker's executor would: action as argument, parameters as
OCF_RESKEY_* variables."""

import os
import tempfile
import time
import unittest

from vmha_harness import checks
from vmha_lab.peers import disk, proc
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_lab.peers.libvirtd import PrivateLibvirtd

BOOT_TIMEOUT = 40
STATE_TIMEOUT = 20


def agent_path():
    return os.path.join(proc.build_dir(), "ocf", "resource.d", "vmha", "VirtualMachine")


def wait(what, predicate, timeout=STATE_TIMEOUT, interval=0.1):
    return checks.expect_within(what, predicate, timeout, interval)


class AgentResult:
    def __init__(self, cp, seconds):
        self.rc = cp.returncode
        self.stdout = cp.stdout
        self.stderr = cp.stderr
        self.seconds = seconds

    def exit_reason(self):
        for line in self.stderr.splitlines():
            if line.startswith("ocf-exit-reason:"):
                return line[len("ocf-exit-reason:"):]
        return ""

    def __repr__(self):
        return f"rc={self.rc} in {self.seconds:.2f}s stderr={self.stderr.strip()[-600:]!r}"


class AgentTestCase(unittest.TestCase):
    """One private libvirtd per test class; guests per test."""

    listen_addr = "127.0.0.70"

    @classmethod
    def setUpClass(cls):
        cls.image = GuestImage.get()
        cls.lv = PrivateLibvirtd(cls.__name__.lower()[:20], listen_addr=cls.listen_addr)
        cls.lv.__enter__()
        cls.addClassCleanup(cls.lv.close)
        cls.run_dir = tempfile.mkdtemp(prefix="vmha-agent-run-")
        cls.addClassCleanup(proc.run, ["rm", "-rf", cls.run_dir])

    def agent(self, action, resource="vm", timeout=120, env=None, **params):
        """Runs one action; params become OCF_RESKEY_*; returns AgentResult."""
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "OCF_ROOT": "/usr/lib/ocf",
             "OCF_RESOURCE_INSTANCE": resource, "VMHA_RUN_DIR": self.run_dir,
             "OCF_RESKEY_CRM_meta_timeout": "60000"}
        for k, v in params.items():
            e[f"OCF_RESKEY_{k}"] = str(v)
        e.update(env or {})
        t0 = time.monotonic()
        cp = self.lv.run([agent_path(), action], check=False, timeout=timeout, env=e)
        return AgentResult(cp, time.monotonic() - t0)

    def assertRc(self, result, rc, msg=""):
        self.assertEqual(result.rc, rc, f"{msg} {result!r}")

    def make_guest(self, name, nbd=None, **xml_args):
        """Writes the domain XML (and a file disk unless nbd); returns
        (config path, disk image path)."""
        workdir = self.lv.workdir
        image = os.path.join(workdir, f"{name}.img")
        if nbd is None:
            disk.make_disk(image)
            xml_args["disk_path"] = image
        else:
            image = nbd.image_path
            xml_args["nbd"] = nbd
        config = os.path.join(workdir, f"{name}.xml")
        with open(config, "w") as f:
            f.write(domain_xml(name, self.image,
                               serial_log=os.path.join(workdir, f"{name}.console"), **xml_args))
        self.addCleanup(self.lv.run, ["virsh", "destroy", name], check=False)
        self.addCleanup(self.lv.run, ["virsh", "undefine", name], check=False)
        return config, image

    def console(self, name):
        try:
            with open(os.path.join(self.lv.workdir, f"{name}.console"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def domstate(self, name):
        cp = self.lv.run(["virsh", "domstate", "--reason", name], check=False)
        return cp.stdout.strip() if cp.returncode == 0 else "absent"

    def wait_domstate(self, name, expected, timeout=STATE_TIMEOUT):
        wait(f"{name} to be {expected!r}", lambda: self.domstate(name) == expected, timeout)

    def wait_writing(self, image, after=-1, timeout=BOOT_TIMEOUT):
        def progressed():
            latest = disk.latest_counter(image)
            return latest is not None and latest >= after + 3 and latest
        return wait(f"records past {after} in {image}", progressed, timeout)
