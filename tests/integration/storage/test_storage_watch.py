# ctest-labels: storage
# ctest-timeout: 300
"""The storage pieces of vmha-eventd (StorageHeartbeat, PillWatcher,
SelfFenceAction) driven through tests/tools/vmha_storage_probe against loop
devices: the heartbeat is green on a healthy device, turns yellow then red
within bounds when the path hangs (the I/O blocks in the kernel: nbdkit
stopped under nbdfuse under a loop device, as `dmsetup suspend` would do
where device-mapper exists) or fails with EIO, and green again when it
recovers; its blocks leave sbd's layout alone. The poison-pill watcher
clears its slot at start, fences on a pill written by fence_vmha_disk and
by `sbd message`, before the sender's msgwait is over, and acknowledges
`test` messages the way sbd does without fencing."""

import mmap
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import unittest

from vmha_harness.hangdisk import HangableDisk
from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.proc import HarnessError, build_dir, run, stop_pid, wait_until
from vmha_lab.peers.sbdtool import sbd, sbd_list, sbd_slots

PROBE = os.path.join(build_dir(), "tests", "tools", "vmha_storage_probe")
FENCE_DISK = os.path.join(build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk")
NODE = "node1"
MSGWAIT = 2

HB_AREA = 4 << 20
HB_BLOCK = 4096


def home_block(node):
    """FNV-1a of the name modulo 255: where heartbeat_block.h says a node's
    block is when it is free."""
    h = 2166136261
    for c in node.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h % 255


def read_direct(dev, offset, length):
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    try:
        buf = mmap.mmap(-1, length)
        os.preadv(fd, [buf], offset)
        return bytes(buf)
    finally:
        os.close(fd)


class Probe:
    """vmha_storage_probe in the background; its lines parsed as they come."""

    def __init__(self, test, *args):
        self.test = test
        self.out = os.path.join(test.tmp, f"probe-{len(os.listdir(test.tmp))}.out")
        self.err = self.out + ".err"
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen([PROBE] + list(args), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)
        test.addCleanup(self.stop)

    def lines(self, kind=None):
        out = []
        with open(self.out) as f:
            for line in f.read().splitlines():
                fields = line.split("\t")
                rec = dict(f.split("=", 1) for f in fields[1:])
                rec["kind"] = fields[0]
                rec["t"] = int(rec["mono_ms"]) / 1000.0
                if kind is None or rec["kind"] == kind:
                    out.append(rec)
        return out

    def wait_for(self, pred, timeout, what, kind=None, after=0.0):
        """The first line (of `kind`, stamped after `after`) for which pred holds."""
        def find():
            for rec in self.lines(kind):
                if rec["t"] >= after and pred(rec):
                    return rec
            return None
        try:
            return wait_until(find, timeout, interval=0.02, what=what)
        except HarnessError as e:
            raise AssertionError(f"{e}\nprobe output:\n{self.dump()}") from None

    def dump(self):
        with open(self.out) as f, open(self.err) as g:
            return f.read()[-4000:] + "\nstderr:\n" + g.read()[-2000:]

    def stop(self):
        # A process with a thread blocked in the kernel on a hung disk cannot
        # exit before that I/O returns.
        for disk in self.test.disks:
            disk.resume()
        if self.proc.poll() is None:
            stop_pid(self.proc.pid, timeout=10, sig=signal.SIGTERM)
        self.proc.wait(10)


class StorageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vmha-storage-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.disks = []

    def loop(self, size_mib=8):
        dev = LoopDevice(size_mib=size_mib)
        self.addCleanup(dev.close)
        return dev

    def hangable(self):
        disk = HangableDisk(self.tmp, size_mib=8)
        self.addCleanup(disk.close)
        disk.start()
        self.disks.append(disk)
        return disk


class Heartbeat(StorageTest):
    INTERVAL = 0.5
    TIMEOUT = 1.0
    SLACK = 1.0  # a loaded 2-core machine; a beat that never comes still fails

    def heartbeat(self, *paths, red_after=3):
        return Probe(self, "heartbeat", "--node", NODE, "--interval-ms", str(int(self.INTERVAL * 1000)),
                     "--timeout-ms", str(int(self.TIMEOUT * 1000)), "--yellow-after", "1",
                     "--red-after", str(red_after), "--duration-ms", "120000", *paths)

    def test_green_on_a_loop_device_beside_sbd(self):
        dev = self.loop()
        sbd(dev.path, "-1", "1", "-4", str(MSGWAIT), "create")
        sbd(dev.path, "allocate", "other")
        probe = self.heartbeat(dev.path)
        probe.wait_for(lambda r: int(r["seq"]) >= 4, 10, "four heartbeats", kind="beat")
        probe.stop()
        beats = probe.lines("beat")
        self.assertTrue(all(b["ok"] == "1" and b["health"] == "green" for b in beats), probe.dump())
        self.assertEqual([int(b["seq"]) for b in beats], list(range(1, len(beats) + 1)))
        self.assertTrue(all(int(b["latency_ms"]) < 1000 * self.TIMEOUT for b in beats))
        block = home_block(NODE)
        self.assertEqual({int(b["block"]) for b in beats}, {block})
        # The record is where heartbeat_block.h says, and as it says.
        raw = read_direct(dev.path, HB_AREA + block * HB_BLOCK, HB_BLOCK)
        self.assertEqual(raw[:8], b"VMHA_HB_")
        self.assertEqual(raw[16:16 + len(NODE) + 1], NODE.encode() + b"\0")
        seq, wall = struct.unpack(">QQ", raw[80:96])
        self.assertEqual(seq, len(beats))
        self.assertLess(abs(wall - time.time()), 60)
        # sbd's header and slots are untouched: sbd and fence_vmha_disk still work.
        self.assertIn("Timeout (msgwait)  : 2", sbd(dev.path, "dump").stdout)
        self.assertEqual(sbd_list(dev.path), {"other": ("clear", "")})
        cp = run([FENCE_DISK], input=f"action=off\ndevices={dev.path}\nplug=other\n",
                 timeout=60, check=False)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(sbd_list(dev.path)["other"][0], "off")

    def beating_on_hangable(self):
        disk = self.hangable()
        probe = self.heartbeat(disk.path)
        probe.wait_for(lambda r: r["ok"] == "1", 10, "a first good beat", kind="beat")
        return disk, probe

    def green_again(self, probe, since):
        green = probe.wait_for(lambda r: r["ok"] == "1", 10, "green again", kind="beat",
                               after=since)
        self.assertEqual(green["health"], "green")
        self.assertLessEqual(green["t"] - since, self.INTERVAL + self.SLACK)
        return green

    def test_a_hung_path_turns_yellow_then_red_and_green_again(self):
        disk, probe = self.beating_on_hangable()
        hung_at = time.monotonic()
        disk.hang()
        yellow = probe.wait_for(lambda r: r["health"] == "yellow", 10, "yellow", kind="beat",
                                after=hung_at)
        red = probe.wait_for(lambda r: r["health"] == "red", 10, "red", kind="beat", after=hung_at)
        # The first failing beat is the one that hung: it answers at the timeout.
        self.assertLessEqual(int(yellow["latency_ms"]), 1000 * self.TIMEOUT + 500)
        self.assertIn("did not complete within", yellow["error"])
        self.assertLessEqual(yellow["t"] - hung_at, self.INTERVAL + self.TIMEOUT + self.SLACK)
        self.assertLessEqual(red["t"] - hung_at,
                             self.INTERVAL + self.TIMEOUT + 2 * self.INTERVAL + self.SLACK)
        # The caller is never stuck: beats keep coming while the I/O hangs.
        time.sleep(2 * self.INTERVAL)
        during = [b for b in probe.lines("beat") if b["t"] >= red["t"]]
        self.assertGreaterEqual(len(during), 2, probe.dump())
        self.assertTrue(all(b["ok"] == "0" and b["health"] == "red" for b in during))
        self.assertIn("has not returned", during[-1]["error"])
        resumed_at = time.monotonic()
        disk.resume()
        green = self.green_again(probe, resumed_at)
        print(f"\nhung path: yellow after {yellow['t'] - hung_at:.2f}s, red after "
              f"{red['t'] - hung_at:.2f}s, green {green['t'] - resumed_at:.2f}s after it "
              f"answered again (interval {self.INTERVAL}s, timeout {self.TIMEOUT}s, yellow 1, "
              f"red 3)")

    def test_io_errors_turn_red_and_recover(self):
        disk, probe = self.beating_on_hangable()
        failing_at = time.monotonic()
        disk.fail_on()
        red = probe.wait_for(lambda r: r["health"] == "red", 10, "red", kind="beat",
                             after=failing_at)
        self.assertIn("Input/output error", red["error"])
        self.assertLessEqual(red["t"] - failing_at, 3 * self.INTERVAL + self.SLACK)
        fixed_at = time.monotonic()
        disk.fail_off()
        self.green_again(probe, fixed_at)

    def test_a_missing_path_is_red_and_the_others_stay_green(self):
        dev = self.loop()
        gone = os.path.join(self.tmp, "not-there")
        probe = self.heartbeat(dev.path, gone)
        red = probe.wait_for(lambda r: r["path"] == gone and r["health"] == "red", 10,
                             "the missing path red", kind="beat")
        self.assertIn(gone, red["error"])
        probe.stop()
        self.assertTrue(all(b["ok"] == "1" for b in probe.lines("beat") if b["path"] == dev.path))


class PillWatch(StorageTest):
    INTERVAL = 1.0  # sbd's loop timeout: the watcher reads its slot once a second

    def setUp(self):
        super().setUp()
        self.dev = self.loop()
        sbd(self.dev.path, "-1", "1", "-4", str(MSGWAIT), "create")
        self.marker = os.path.join(self.tmp, "fenced")

    def watch(self, *devices, quorate="yes", io_timeout_ms=1000):
        return Probe(self, "watch", "--node", NODE, "--interval-ms", str(int(self.INTERVAL * 1000)),
                     "--io-timeout-ms", str(io_timeout_ms), "--quorate", quorate,
                     "--watchdog-timeout-ms", "2000",
                     "--self-fence", f"command:/usr/bin/touch {self.marker}",
                     *(devices or [self.dev.path]))

    def started(self, probe):
        probe.wait_for(lambda r: True, 10, "the first reading", kind="pill")

    def assertFencedBy(self, probe, sent_at, decision):
        """The marker exists when the sender's msgwait is over (the sender
        then takes the node for dead), and the probe says why."""
        self.assertTrue(os.path.exists(self.marker),
                        f"not fenced when the sender returned\n{probe.dump()}")
        fence = probe.wait_for(lambda r: True, 5, "the fence line", kind="fence")
        self.assertEqual((fence["decision"], fence["ok"]), (decision, "1"), fence)
        self.assertEqual(probe.proc.wait(10), 0)
        latency = fence["t"] - sent_at
        self.assertLess(latency, MSGWAIT)
        return latency

    def test_slot_is_cleared_at_start(self):
        # A pill left from before this start (sbd message needs the slot to exist).
        sbd(self.dev.path, "allocate", NODE)
        sbd(self.dev.path, "-n", "peer", "message", NODE, "reset")
        self.assertEqual(sbd_list(self.dev.path)[NODE], ("reset", "peer"))
        probe = self.watch()
        first = probe.wait_for(lambda r: True, 10, "the first reading", kind="pill")
        self.assertEqual((first["pill"], first["disk_ok"]), ("clear", "1"), first)
        self.assertEqual(sbd_list(self.dev.path)[NODE], ("clear", ""))
        probe.wait_for(lambda r: True, 5, "a second reading", kind="pill", after=first["t"] + 0.01)
        self.assertFalse(os.path.exists(self.marker))
        self.assertIsNone(probe.proc.poll())

    def test_fence_vmha_disk_pill_fences(self):
        probe = self.watch()
        self.started(probe)
        sent_at = time.monotonic()
        cp = run([FENCE_DISK], input=f"action=reboot\ndevices={self.dev.path}\nplug={NODE}\n",
                 timeout=60, check=False)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        latency = self.assertFencedBy(probe, sent_at, "reset")
        pill = probe.lines("pill")[-1]
        self.assertEqual((pill["pill"], pill["command"]), ("reset", "reset"))
        print(f"\nfence_vmha_disk pill seen and self-fence run {latency:.2f}s after sending "
              f"(msgwait {MSGWAIT}s, read every {self.INTERVAL}s)")

    def test_sbd_reset_and_off_messages_fence(self):
        for message in ("reset", "off"):
            with self.subTest(message=message):
                if os.path.exists(self.marker):
                    os.unlink(self.marker)
                probe = self.watch()
                self.started(probe)
                sent_at = time.monotonic()
                sbd(self.dev.path, "-n", "peer", "message", NODE, message)
                latency = self.assertFencedBy(probe, sent_at, message)
                pill = probe.lines("pill")[-1]
                self.assertEqual((pill["pill"], pill["sender"]), (message, "peer"))
                print(f"\nsbd {message} seen and self-fence run {latency:.2f}s after sending")

    def test_test_messages_are_acknowledged_and_do_not_fence(self):
        probe = self.watch()
        self.started(probe)
        sent_at = time.monotonic()
        sbd(self.dev.path, "-n", "peer", "message", NODE, "test")
        # Acknowledged as sbd's watcher does: the mailbox zeroed.
        self.assertEqual(sbd_list(self.dev.path)[NODE], ("clear", ""))
        slot = sbd_slots(self.dev.path)[NODE][0]
        self.assertEqual(read_direct(self.dev.path, (2 + 2 * slot) * 512, 512), bytes(512))
        seen = probe.wait_for(lambda r: r["pill"] == "test", 5, "the test message", kind="pill",
                              after=sent_at)
        self.assertEqual(seen["sender"], "peer")
        time.sleep(2 * self.INTERVAL)
        self.assertFalse(os.path.exists(self.marker), probe.dump())
        self.assertIsNone(probe.proc.poll(), probe.dump())
        self.assertEqual(probe.lines("pill")[-1]["pill"], "clear")
        # Still watching: a real pill afterwards fences.
        sent_at = time.monotonic()
        sbd(self.dev.path, "-n", "peer", "message", NODE, "reset")
        self.assertFencedBy(probe, sent_at, "reset")

    def test_disk_lost_fences_only_without_quorum(self):
        disk = self.hangable()
        sbd(disk.path, "-1", "1", "-4", str(MSGWAIT), "create")
        lonely = self.watch(disk.path, quorate="no", io_timeout_ms=500)
        self.started(lonely)
        hung_at = time.monotonic()
        disk.hang()
        lost = lonely.wait_for(lambda r: r["disk_ok"] == "0", 5, "disk access lost", kind="pill",
                               after=hung_at)
        self.assertRegex(lost["errors"], "did not complete within|stopped answering")
        fence = lonely.wait_for(lambda r: True, 10, "the self-fence", kind="fence")
        self.assertEqual((fence["decision"], fence["reason"]), ("reset", "storage and quorum lost"))
        self.assertTrue(os.path.exists(self.marker))
        # Past the watchdog timeout (2 s) after the loss was first seen, not before.
        self.assertGreaterEqual(fence["t"] - lost["t"], 1.95)
        self.assertLess(fence["t"] - lost["t"], 2.0 + 2 * self.INTERVAL)
        os.unlink(self.marker)
        # Storage lost but quorate: stay up.
        quorate = self.watch(disk.path, quorate="yes", io_timeout_ms=500)
        quorate.wait_for(lambda r: r["disk_ok"] == "0", 10, "disk access lost", kind="pill")
        time.sleep(3)
        self.assertEqual(quorate.lines("fence"), [])
        self.assertFalse(os.path.exists(self.marker))
        stuck = quorate.lines("pill")[-1]
        self.assertIn("stopped answering", stuck["errors"])
        # The device that hung serves again once its I/O returns, not reopened.
        resumed_at = time.monotonic()
        disk.resume()
        back = quorate.wait_for(lambda r: r["disk_ok"] == "1", 5, "disk access back", kind="pill",
                                after=resumed_at)
        self.assertEqual(back["pill"], "clear")


class SelfFenceWatchdog(unittest.TestCase):
    def test_watchdog_action_without_a_device_fails_clearly(self):
        # A private path, never the machine's /dev/watchdog: nothing can be armed.
        tmp = tempfile.mkdtemp(prefix="vmha-wd-")
        self.addCleanup(shutil.rmtree, tmp, True)
        cp = run([PROBE, "self-fence", "--self-fence", f"watchdog:{tmp}/watchdog"], check=False)
        self.assertEqual(cp.returncode, 3, cp.stdout + cp.stderr)
        self.assertIn("ok=0", cp.stdout)
        self.assertIn(f"{tmp}/watchdog", cp.stdout)
        self.assertIn("softdog", cp.stdout)


if __name__ == "__main__":
    unittest.main()
