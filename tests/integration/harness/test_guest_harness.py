# ctest-labels: slow
# ctest-timeout: 300
"""The real-guest harness itself: a private libvirtd runs TCG guests whose
writer the tests can watch and command, on file and NBD disks, and closing
it leaves nothing behind."""

import os
import signal
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_lab.peers import disk, kvm, proc
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport

BOOT_TIMEOUT = 30  # ~2 s to the first record when the machine is idle
STATE_TIMEOUT = 20


def wait(what, predicate, timeout=STATE_TIMEOUT):
    """wait_until that fails the test (not errors it) on timeout."""
    try:
        return proc.wait_until(predicate, timeout, interval=0.1, what=what)
    except proc.HarnessError as e:
        raise AssertionError(str(e)) from None


def wait_writing(image, after=-1):
    """Waits until the guest has written a few records past counter `after`;
    returns the latest counter."""
    def progressed():
        latest = disk.latest_counter(image)
        return latest is not None and latest >= after + 3 and latest
    return wait(f"records past {after} in {image}", progressed, BOOT_TIMEOUT)


def start_time(pid):
    """The process's start time in clock ticks since boot, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(") ", 1)[1].split()[19])
    except (OSError, IndexError):
        return None


def uptime_ticks():
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * os.sysconf("SC_CLK_TCK"))


def leftovers(seen, closed):
    """PIDs of processes in the namespace seen["mnt_ns"], mentioning
    seen["workdir"] on their command line, or listed in seen["pids"]. PIDs and
    namespace ids are recycled: only a process that started before `closed`
    (uptime ticks) can be one of those."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        started = start_time(entry)
        if started is None or started > closed:
            continue
        try:
            same_ns = os.readlink(f"/proc/{entry}/ns/mnt") == seen["mnt_ns"]
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                mentions_workdir = seen["workdir"].encode() in f.read()
        except OSError:
            continue
        if same_ns or mentions_workdir or int(entry) in seen["pids"]:
            found.append(int(entry))
    return found


class GuestHarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.image = GuestImage.get()
        cls.lv = PrivateLibvirtd("harness", listen_addr="127.0.0.61")
        cls.lv.__enter__()
        cls.addClassCleanup(cls.lv.close)

    def start_guest(self, name, **xml_args):
        lv = self.lv
        if "nbd" not in xml_args:
            xml_args["disk_path"] = os.path.join(lv.workdir, f"{name}.img")
            disk.make_disk(xml_args["disk_path"])
        xml_path = os.path.join(lv.workdir, f"{name}.xml")
        with open(xml_path, "w") as f:
            f.write(domain_xml(name, self.image, serial_log=os.path.join(lv.workdir,
                                                                         f"{name}.console"),
                               **xml_args))
        lv.virsh("define", xml_path)
        self.addCleanup(lv.run, ["virsh", "undefine", name], check=False)
        lv.virsh("start", name)
        self.addCleanup(lv.run, ["virsh", "destroy", name], check=False)
        return xml_args.get("disk_path")

    def console(self, name):
        with open(os.path.join(self.lv.workdir, f"{name}.console"), errors="replace") as f:
            return f.read()

    def state(self, name):
        return self.lv.virsh("domstate", "--reason", name)

    def wait_state(self, name, expected):
        wait(f"{name} to be {expected!r}", lambda: self.state(name) == expected)

    def test_no_network_is_started(self):
        self.assertEqual(self.lv.virsh("net-list", "--all", "--name"), "")

    def test_file_disk_guest_writes_and_obeys_poweroff_and_acpi_shutdown(self):
        image = self.start_guest("filedisk")
        first = wait_writing(image)
        wait_writing(image, first)
        boot1 = disk.read_records(image)[-1].boot_id

        disk.request_poweroff(image)
        self.wait_state("filedisk", "shut off (shutdown)")
        last = disk.latest_counter(image)

        # A new boot continues the counter and has a new boot id.
        self.lv.virsh("start", "filedisk")
        wait_writing(image, last)
        new = [r for r in disk.read_records(image) if r.counter > last]
        self.assertEqual(new[0].counter, last + 1)
        self.assertNotEqual(new[0].boot_id, boot1)
        self.assertEqual([r.counter for r in new], list(range(last + 1, new[-1].counter + 1)))

        self.lv.virsh("shutdown", "filedisk")  # the ACPI power button
        self.wait_state("filedisk", "shut off (shutdown)")
        self.assertIn("powering off (ACPI power button)", self.console("filedisk"))

    def test_panic_request_crashes_guest_with_panic_device(self):
        image = self.start_guest("panicky", panic_device=True)
        wait_writing(image)
        disk.request_panic(image)
        # on_crash destroy: the panic event ends the domain as crashed (as a
        # QEMU crash would: the console tells them apart).
        self.wait_state("panicky", "shut off (crashed)")
        self.assertIn("Kernel panic", self.console("panicky"))

    def test_guest_domain_type_follows_the_kvm_boot_test(self):
        works = kvm.kvm_works()
        image = self.start_guest("typed")
        domain = ET.fromstring(self.lv.virsh("dumpxml", "typed"))
        self.assertEqual(domain.get("type"), "kvm" if works else "qemu")
        self.assertEqual(domain.find("features/tcg") is not None, not works, "TCG tuning only for TCG")
        wait_writing(image)

    def agent_ping(self, name):
        return self.lv.run(["virsh", "qemu-agent-command", name, '{"execute":"guest-ping"}',
                            "--timeout", "5"], check=False)

    def test_guest_agent_answers_stops_and_shuts_down(self):
        image = self.start_guest("agentguest", guest_agent_channel=True)
        wait_writing(image)
        wait("the agent to answer guest-ping",
             lambda: self.agent_ping("agentguest").stdout.strip() == '{"return":{}}')

        disk.request_agent_stop(image)
        wait("the agent to be gone",
             lambda: "not connected" in self.agent_ping("agentguest").stderr)
        disk.request_agent_start(image)
        wait("the agent to answer again",
             lambda: self.agent_ping("agentguest").returncode == 0)

        self.lv.virsh("shutdown", "--mode", "agent", "agentguest")
        self.wait_state("agentguest", "shut off (shutdown)")
        self.assertNotIn("ACPI power button", self.console("agentguest"))

    def test_nbd_guest_pauses_on_io_error_and_resumes(self):
        image = os.path.join(self.lv.workdir, "nbd.img")
        disk.make_disk(image)
        with NbdExport(image, self.lv.workdir, error_filter=True) as nbd:
            self.start_guest("nbdguest", nbd=nbd)
            wait_writing(image)

            nbd.fail_on()
            self.wait_state("nbdguest", "paused (I/O error)")
            stuck = disk.latest_counter(image)

            nbd.fail_off()
            self.lv.virsh("resume", "nbdguest")
            self.assertEqual(self.state("nbdguest"), "running (unpaused)")
            alive = wait_writing(image, stuck)

            nbd.kill()
            self.wait_state("nbdguest", "paused (I/O error)")
            nbd.restart()

            # QEMU reconnects in the background; a resume before that pauses
            # the guest again, so resume while paused until records follow
            # (one state read could fall between a resume and that pause).
            def resumed():
                if self.state("nbdguest") == "paused (I/O error)":
                    self.lv.run(["virsh", "resume", "nbdguest"], check=False)
                latest = disk.latest_counter(image)
                return latest is not None and latest >= alive + 3
            wait("nbdguest to resume and write after the server restarted", resumed, BOOT_TIMEOUT)
            self.assertEqual(self.state("nbdguest"), "running (unpaused)")
            self.lv.virsh("destroy", "nbdguest")

    def test_libvirtd_restart_keeps_guest_running(self):
        image = self.start_guest("survivor")
        before = wait_writing(image)
        qemu = self.lv.qemu_pid("survivor")
        old_daemon = self.lv.pid

        self.lv.restart()

        self.assertNotEqual(self.lv.pid, old_daemon)
        self.assertFalse(proc.pid_alive(old_daemon))
        self.assertEqual(self.lv.qemu_pid("survivor"), qemu)
        self.assertEqual(self.state("survivor"), "running (booted)")
        wait_writing(image, before)


class KvmProbeTest(unittest.TestCase):
    def test_probe_answers_within_its_bound_and_matches_the_cached_answer(self):
        GuestImage.get()  # built before the clock starts
        t0 = time.monotonic()
        fresh = os.access("/dev/kvm", os.R_OK | os.W_OK) and kvm._boot_under_kvm()
        elapsed = time.monotonic() - t0
        # Generous for a loaded machine: the probe's own bounds plus slack.
        self.assertLess(elapsed, kvm.BOOT_TIMEOUT + kvm.KILL_TIMEOUT + 5)
        self.assertEqual(fresh, kvm.kvm_works(), "the cached answer is what a boot shows")
        self.assertEqual(kvm.virt_type(), "kvm" if fresh else "qemu")
        print(f"KVM probe: {'works' if fresh else 'does not work'} here, answered in "
              f"{elapsed:.1f} s")


class CleanupTest(unittest.TestCase):
    def test_close_leaves_nothing_even_after_failure_with_daemon_stopped(self):
        image = GuestImage.get()
        seen = {}
        with self.assertRaises(RuntimeError):
            with PrivateLibvirtd("cleanup", listen_addr="127.0.0.62") as lv:
                seen.update(workdir=lv.workdir, mnt_ns=lv.mnt_ns,
                            pids=[lv.ns_pid, lv.pid])
                path = os.path.join(lv.workdir, "g.img")
                disk.make_disk(path)
                xml = os.path.join(lv.workdir, "g.xml")
                with open(xml, "w") as f:
                    f.write(domain_xml("g", image, disk_path=path))
                lv.virsh("create", xml)
                wait_writing(path)
                seen["pids"].append(lv.qemu_pid("g"))
                # The mounts exist, in the namespace only.
                with open(f"/proc/{lv.ns_pid}/mountinfo") as f:
                    self.assertIn(lv.workdir, f.read())
                with open("/proc/self/mountinfo") as f:
                    self.assertNotIn(lv.workdir, f.read())
                os.kill(lv.pid, signal.SIGSTOP)
                raise RuntimeError("a test failing with libvirtd stopped")
        closed = uptime_ticks()

        self.assertNotIn(None, seen["pids"])
        self.assertNotEqual(seen["mnt_ns"], os.readlink("/proc/self/ns/mnt"))
        self.assertEqual(leftovers(seen, closed), [],
                         "processes of the closed libvirtd remain")
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(seen["workdir"], f.read())
        self.assertFalse(os.path.exists(seen["workdir"]))


if __name__ == "__main__":
    unittest.main()
