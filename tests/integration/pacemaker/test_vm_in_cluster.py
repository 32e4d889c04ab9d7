# ctest-labels: slow cluster
# ctest-timeout: 300
"""ocf:vmha:VirtualMachine managed by a real one-host Pacemaker cluster
(stonith disabled) against real QEMU guests (TCG) of a private libvirtd.

Pacemaker's executor runs the build tree's agent inside the cluster host's
namespaces (an overlay on /usr/lib/ocf/resource.d/vmha); the agent reaches
the private daemon through hypervisor=qemu:///system?socket=<its socket>,
which lives under the daemon's workdir in /tmp and so is visible from the
host's mount namespace too (the host only replaces /run and /dev/shm)."""

import os
import sys
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_lab.peers import disk, proc
from vmha_lab.peers.cluster import Cluster
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_lab.peers.libvirtd import PrivateLibvirtd

AGENT = "ocf:vmha:VirtualMachine"
MONITOR_S = 2
BOOT_TIMEOUT = 40  # resource created -> guest writing; ~6 s on an idle machine
ACTION_TIMEOUT = 30  # a cluster decision plus one agent action
OCF_SUCCESS, OCF_ERR_ARGS, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = 0, 2, 6, 7


def log(msg):
    print(f"[vm in cluster] {msg}", file=sys.stderr, flush=True)


def wait(what, predicate, timeout=ACTION_TIMEOUT):
    """wait_until that fails the test (rather than erroring it) on timeout."""
    try:
        return proc.wait_until(predicate, timeout, interval=0.1, what=what)
    except proc.HarnessError as e:
        raise AssertionError(str(e)) from None


def assert_never(what, predicate, seconds):
    """Polls predicate for `seconds` and fails as soon as it holds."""
    try:
        proc.wait_until(predicate, seconds, interval=0.2, what=what)
    except proc.HarnessError:
        return
    raise AssertionError(f"{what} happened within {seconds}s")


class Guest:
    def __init__(self, name, xml, image, vcpus, memory_mib):
        self.name = name
        self.xml = xml
        self.image = image
        self.vcpus = vcpus
        self.memory_mib = memory_mib

    def records(self):
        return disk.read_records(self.image)

    def latest(self):
        records = self.records()
        return records[-1] if records else None

    def wait_writing(self, after=None, timeout=BOOT_TIMEOUT):
        """Waits for a few records newer than `after` (a Record, or None for
        any); returns the latest record."""
        def progressed():
            latest = self.latest()
            floor = -1 if after is None else after.counter
            return latest if latest is not None and latest.counter >= floor + 3 else None
        return wait(f"{self.name} to write records", progressed, timeout)


class VirtualMachineInClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.disk_image = GuestImage.get()
        build = proc.build_dir()
        agent = os.path.join(build, "ocf", "resource.d", "vmha", "VirtualMachine")
        cls.lv = PrivateLibvirtd("pacemaker", listen_addr="127.0.0.90",
                                 migration_ports=(49400, 49415))
        cls.lv.__enter__()
        cls.addClassCleanup(cls.lv.close)
        # Registered after the daemon's, so it closes first: the cluster
        # stops touching guests before the daemon destroys them.
        cls.cluster = Cluster(n_hosts=1, name="pm1", subnet_index=30, overlay_agents={
            "/usr/lib/ocf/resource.d/vmha": [("VirtualMachine", agent)]})
        cls.addClassCleanup(cls.cluster.close)
        cls.host = cls.cluster.hosts[0]
        cls.cluster.wait_online(timeout=60)
        cls.socket = os.path.join(cls.lv.workdir, "run", "libvirt", "libvirt-sock")
        cls.hypervisor = f"qemu:///system?socket={cls.socket}"

    def wait(self, what, predicate, timeout=ACTION_TIMEOUT):
        """wait() whose failure also shows the cluster's view and log."""
        try:
            return wait(what, predicate, timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.diagnostics()}") from None

    def diagnostics(self):
        mon = self.host.run(["crm_mon", "-1", "--include=operations", "--inactive"],
                            timeout=30, check=False)
        noise = ("cib_perform_op", "cib_process_request", "log_op_output")
        tail = [line for line in self.pacemaker_log() if not any(n in line for n in noise)]
        return (f"--- crm_mon on {self.host.name}\n{mon.stdout}{mon.stderr}"
                "--- pacemaker.log (filtered tail)\n" + "\n".join(tail[-30:]))

    # -- guests ---------------------------------------------------------

    def make_guest(self, name, vcpus=1, memory_mib=96):
        """A domain XML file for the agent's config= (not defined: the agent
        defines it, persistent=true); removed from libvirt at cleanup."""
        image = os.path.join(self.lv.workdir, f"{name}.img")
        disk.make_disk(image)
        xml = os.path.join(self.lv.workdir, f"{name}.xml")
        with open(xml, "w") as f:
            f.write(domain_xml(name, self.disk_image, disk_path=image, vcpus=vcpus,
                               memory_mib=memory_mib,
                               serial_log=os.path.join(self.lv.workdir, f"{name}.console")))
        self.addCleanup(self.lv.run, ["virsh", "undefine", name], check=False, timeout=30)
        self.addCleanup(self.lv.run, ["virsh", "destroy", name], check=False, timeout=30)
        return Guest(name, xml, image, vcpus, memory_mib)

    def domstate(self, guest):
        return self.lv.run(["virsh", "domstate", "--reason", guest.name],
                           check=False, timeout=20).stdout.strip()

    # -- cluster --------------------------------------------------------

    def create_resource(self, rid, guest, guest_shutdown, *params):
        """params: more name=value parameters of the resource."""
        self.addCleanup(self.delete_resource, rid)
        self.host.run(["pcs", "resource", "create", rid, AGENT, f"config={guest.xml}",
                       f"hypervisor={self.hypervisor}", "persistent=true",
                       f"guest_shutdown={guest_shutdown}", *params,
                       "op", "monitor", f"interval={MONITOR_S}s", "timeout=20s"])

    def delete_resource(self, rid):
        """Removes the primitive; Pacemaker stops the orphan with the
        parameters it last ran with. Bounded, and quiet: it runs at cleanup."""
        self.host.run(["cibadmin", "-D", "-o", "resources", "--xml-text",
                       f'<primitive id="{rid}"/>'], check=False, timeout=30)
        try:
            proc.wait_until(lambda: self.resource(rid) is None, ACTION_TIMEOUT, interval=0.2,
                            what=f"{rid} to leave the cluster")
        except (proc.HarnessError, AssertionError) as e:
            log(f"cleanup: {e}")

    def crm_mon(self):
        """crm_mon's XML status, with every resource's operation history."""
        cp = self.host.run(["crm_mon", "-1", "--output-as=xml", "--include=operations"],
                           timeout=30, check=False)
        if cp.returncode != 0:
            raise AssertionError(f"crm_mon failed on {self.host.name}: {cp.stderr.strip()}")
        return ET.fromstring(cp.stdout)

    def resource(self, rid, mon=None):
        """crm_mon's <resource> for rid, or None when the cluster has none."""
        mon = mon if mon is not None else self.crm_mon()
        for r in mon.iter("resource"):
            if r.get("id") == rid:
                return r
        return None

    def started_here(self, rid):
        r = self.resource(rid)
        return (r is not None and r.get("role") == "Started" and r.get("failed") == "false"
                and [n.get("name") for n in r.findall("node")] == [self.host.name])

    def stopped(self, rid):
        r = self.resource(rid)
        return r is not None and r.get("role") == "Stopped" and r.get("active") == "false"

    def history(self, rid):
        """crm_mon's operation history of rid on the host: [(task, call, rc)]."""
        mon = self.crm_mon()
        ops = []
        for rh in mon.findall(f"node_history/node[@name='{self.host.name}']/resource_history"):
            if rh.get("id") == rid:
                ops += [(o.get("task"), int(o.get("call")), int(o.get("rc")))
                        for o in rh.findall("operation_history")]
        return ops

    def probes(self, rid):
        """Call ids of rid's recorded probes with their rc, from the CIB's
        status section (crm_mon hides probes that found nothing running)."""
        cib = self.cib()
        return {(int(op.get("call-id")), int(op.get("rc-code")))
                for op in cib.iterfind(f"status/node_state/lrm/lrm_resources/"
                                       f"lrm_resource[@id='{rid}']/lrm_rsc_op")
                if op.get("operation") == "monitor" and op.get("interval") == "0"}

    def failures(self, rid):
        """crm_mon's failed actions of rid: [(task, interval, exitcode)]."""
        return [(f.get("task"), f.get("interval"), int(f.get("exitcode")))
                for f in self.crm_mon().findall("failures/failure")
                if f.get("op_key", "").startswith(f"{rid}_")]

    def cib(self):
        return ET.fromstring(self.cluster.cib_query())

    def nvpairs(self, rid, set_tag):
        """{name: value} of the primitive's <utilization> or <meta_attributes>."""
        prim = self.cib().find(f"configuration/resources/primitive[@id='{rid}']")
        if prim is None:
            raise AssertionError(f"primitive {rid} is not in the CIB")
        return {nv.get("name"): nv.get("value")
                for s in prim.findall(set_tag) for nv in s.findall("nvpair")}

    def target_role(self, rid):
        return self.nvpairs(rid, "meta_attributes").get("target-role")

    def pacemaker_log(self):
        with open(os.path.join(self.host.dir, "log-pacemaker", "pacemaker.log"),
                  errors="replace") as f:
            return f.read().splitlines()

    def monitor_runs(self, rid):
        """Agent processes pacemaker-execd ran for rid's recurring monitor,
        by the PID execd logs with the agent's output of each run."""
        key = f"{rid}_monitor_{MONITOR_S * 1000}["
        return {line.split(key, 1)[1].split("]", 1)[0]
                for line in self.pacemaker_log() if "log_op_output" in line and key in line}

    def agent_cib_writes(self):
        """CIB modifications requested by the agent's libcib client ("vmha"),
        as pacemaker-based logs each request."""
        return [line for line in self.pacemaker_log()
                if "Forwarding cib_modify" in line and "origin=local/vmha/" in line]

    def crm_resource(self, *args, options=()):
        """crm_resource --class ocf --provider vmha --agent VirtualMachine
        inside the host; returns the CompletedProcess (exit code = agent's)."""
        argv = ["crm_resource", *args, "--class", "ocf", "--provider", "vmha",
                "--agent", "VirtualMachine"]
        for k, v in options:
            argv += ["--option", f"{k}={v}"]
        return self.host.run(argv, check=False, timeout=120)

    # -- tests ----------------------------------------------------------

    def test_socket_of_private_libvirtd_is_visible_inside_host(self):
        self.assertEqual(self.host.run(["test", "-S", self.socket], check=False).returncode, 0,
                         f"{self.socket} is not a socket inside {self.host.name}")
        # The daemon behind the URI is the private one: same host UUID.
        uuid = ET.fromstring(self.lv.virsh("capabilities")).findtext("host/uuid")
        caps = self.host.run(["virsh", "-c", self.hypervisor, "capabilities"]).stdout
        self.assertEqual(ET.fromstring(caps).findtext("host/uuid"), uuid)

    def test_cluster_starts_restarts_and_keeps_stopped(self):
        guest = self.make_guest("vm1", vcpus=2, memory_mib=96)
        t0 = time.monotonic()
        self.create_resource("vm1", guest, "restart")
        self.wait("vm1 Started on the host", lambda: self.started_here("vm1"), BOOT_TIMEOUT)
        started = time.monotonic() - t0
        first = guest.wait_writing()
        log(f"start: Started after {started:.1f} s, writing after {time.monotonic() - t0:.1f} s")
        self.assertEqual(self.domstate(guest), "running (booted)")

        # Utilization from the domain, written by start.
        self.assertEqual(self.nvpairs("vm1", "utilization"),
                         {"cpu": str(guest.vcpus), "hv_memory": str(guest.memory_mib)})
        self.assertGreater(len(self.agent_cib_writes()), 0,
                           "the log shows no CIB write by the agent: the check below is blind")

        # Several monitors later the configuration was not written again.
        root = self.cib().attrib
        writes = len(self.agent_cib_writes())
        before = self.monitor_runs("vm1")
        self.wait("3 more monitors of vm1", lambda: len(self.monitor_runs("vm1") - before) >= 3,
                  3 * MONITOR_S + 15)
        after = self.cib().attrib
        self.assertEqual((after["admin_epoch"], after["epoch"]),
                         (root["admin_epoch"], root["epoch"]),
                         "the configuration changed while only monitors ran")
        self.assertEqual(len(self.agent_cib_writes()), writes,
                         "the agent wrote to the CIB during monitors")
        self.assertTrue(self.started_here("vm1"))

        # guest_shutdown=restart: the guest powers off, the monitor reports
        # it, and the cluster starts it again (a new boot of the guest).
        before = guest.wait_writing(first)
        self.assertEqual(self.failures("vm1"), [])
        t0 = time.monotonic()
        disk.request_poweroff(guest.image)
        self.wait("vm1's monitor to report it not running", lambda: (
            ("monitor", str(MONITOR_S * 1000), OCF_NOT_RUNNING) in self.failures("vm1")))
        log(f"restart: monitor failed {time.monotonic() - t0:.1f} s after the poweroff request")
        self.wait("vm1 Started again", lambda: self.started_here("vm1"))
        log(f"restart: Started again {time.monotonic() - t0:.1f} s after the request")

        def rebooted():
            return [r for r in guest.records() if r.boot_id != before.boot_id
                    and r.counter > before.counter]
        new_boot = self.wait("vm1 to boot again", rebooted, BOOT_TIMEOUT)
        log(f"restart: new boot writing {time.monotonic() - t0:.1f} s after the request")
        old_boot = [r for r in guest.records() if r.boot_id == before.boot_id]
        # The old boot halted: the new one continues its counter.
        self.assertEqual(new_boot[0].counter, old_boot[-1].counter + 1)
        self.assertIsNone(self.target_role("vm1"))

        # guest_shutdown=stop through a reload: the guest keeps running.
        running = guest.wait_writing(new_boot[-1])
        calls = max(c for _, c, _ in self.history("vm1"))
        self.host.run(["crm_resource", "--resource", "vm1", "--set-parameter",
                       "guest_shutdown", "--parameter-value", "stop"])
        # Pacemaker records an agent's (legacy) reload as a new start.
        self.wait("vm1 to be reloaded", lambda: any(
            t == "start" and c > calls and rc == OCF_SUCCESS for t, c, rc in self.history("vm1")))
        self.assertTrue(any(f"Result of reload operation for vm1 on {self.host.name}: ok" in line
                            for line in self.pacemaker_log()),
                        "the parameter change did not run the agent's reload")
        # The recurring monitor is registered again, with the new parameters.
        reloaded = max(c for t, c, _ in self.history("vm1") if t == "start")
        self.wait("vm1's monitor re-registered after the reload", lambda: any(
            t == "monitor" and c > reloaded for t, c, _ in self.history("vm1")))
        self.assertEqual(guest.wait_writing(running).boot_id, running.boot_id,
                         "the reload restarted the guest")
        self.assertTrue(self.started_here("vm1"))

        # guest_shutdown=stop: the guest powers off, the monitor records
        # target-role=Stopped and the cluster leaves it stopped.
        t0 = time.monotonic()
        disk.request_poweroff(guest.image)
        self.wait("target-role=Stopped for vm1", lambda: self.target_role("vm1") == "Stopped")
        log(f"stop: target-role=Stopped {time.monotonic() - t0:.1f} s after the poweroff request")
        self.wait("vm1 Stopped", lambda: self.stopped("vm1"))
        log(f"stop: crm_mon shows vm1 Stopped {time.monotonic() - t0:.1f} s after the request")
        halted = guest.latest()
        self.assertEqual(self.domstate(guest), "shut off (shutdown)")
        assert_never("vm1 to start again", lambda: (
            not self.stopped("vm1") or guest.latest() != halted
            or self.domstate(guest) != "shut off (shutdown)"), 3 * MONITOR_S)
        self.assertEqual(self.target_role("vm1"), "Stopped")

    def test_crm_resource_runs_the_agent_without_the_cluster(self):
        guest = self.make_guest("vm2")
        ok = [("config", guest.xml), ("hypervisor", self.hypervisor), ("persistent", "true")]
        root = self.cib().attrib
        writes = len(self.agent_cib_writes())

        def rc(action, options):
            cp = self.crm_resource(action, options=options)
            return cp.returncode, (cp.stdout + cp.stderr).strip()[-600:]

        def expect(action, options, code):
            got, out = rc(action, options)
            self.assertEqual(got, code, f"crm_resource {action} {options}: {out}")

        expect("--force-check", ok, OCF_NOT_RUNNING)
        expect("--validate", ok, OCF_SUCCESS)
        expect("--force-start", ok, OCF_SUCCESS)
        guest.wait_writing()
        self.assertEqual(self.domstate(guest), "running (booted)")
        expect("--force-check", ok, OCF_SUCCESS)
        expect("--force-start", ok, OCF_SUCCESS)  # already running: still success
        expect("--force-stop", ok, OCF_SUCCESS)
        self.assertEqual(self.domstate(guest), "shut off (shutdown)")  # graceful, by ACPI
        expect("--force-check", ok, OCF_NOT_RUNNING)
        expect("--force-stop", ok, OCF_SUCCESS)  # stopping a stopped guest succeeds

        bogus = ok + [("resume_behavior", "bogus")]
        missing = [("config", os.path.join(self.lv.workdir, "absent.xml")),
                   ("hypervisor", self.hypervisor)]
        for action in ("--validate", "--force-start"):
            expect(action, bogus, OCF_ERR_CONFIGURED)
            expect(action, missing, OCF_ERR_ARGS)
        self.assertEqual(self.domstate(guest), "shut off (shutdown)")

        # None of it went through the cluster or changed its configuration.
        self.assertIsNone(self.resource("test"))
        after = self.cib().attrib
        self.assertEqual((after["admin_epoch"], after["epoch"]),
                         (root["admin_epoch"], root["epoch"]))
        self.assertEqual(len(self.agent_cib_writes()), writes)

    def test_probe_after_the_agents_own_stop_keeps_target_role(self):
        """The agent's graceful stop leaves a persistent domain shut off with
        the reason a guest poweroff leaves too; a later probe must not take
        that for the guest's wish and set target-role=Stopped. With both
        autoset_utilization_* false, the agent writes nothing to the CIB."""
        guest = self.make_guest("vm3")
        writes = len(self.agent_cib_writes())
        self.create_resource("vm3", guest, "stop", "autoset_utilization_cpu=false",
                             "autoset_utilization_hv_memory=false")
        self.wait("vm3 Started on the host", lambda: self.started_here("vm3"), BOOT_TIMEOUT)
        first = guest.wait_writing()
        self.assertEqual(self.nvpairs("vm3", "utilization"), {}, "autoset_utilization_*=false")

        self.addCleanup(self.host.run, ["crm_resource", "--clear", "--resource", "vm3"],
                        check=False)
        self.host.run(["crm_resource", "--ban", "--resource", "vm3", "--node", self.host.name])
        self.wait("vm3 Stopped by the ban", lambda: self.stopped("vm3"))
        self.assertEqual(self.domstate(guest), "shut off (shutdown)")

        probes = self.probes("vm3")
        self.host.run(["crm_resource", "--refresh", "--resource", "vm3"])
        self.wait("vm3 probed again", lambda: any(
            rc == OCF_NOT_RUNNING for _, rc in self.probes("vm3") - probes))
        self.assertIsNone(self.target_role("vm3"))

        self.host.run(["crm_resource", "--clear", "--resource", "vm3"])
        self.wait("vm3 Started after the ban is cleared", lambda: self.started_here("vm3"),
                  BOOT_TIMEOUT)
        guest.wait_writing(first)
        self.assertIsNone(self.target_role("vm3"))
        self.assertEqual(self.nvpairs("vm3", "utilization"), {})
        # test_cluster_starts_restarts_and_keeps_stopped shows that this log
        # does show the agent's writes.
        self.assertEqual(len(self.agent_cib_writes()), writes, "the agent wrote to the CIB")


if __name__ == "__main__":
    unittest.main()
