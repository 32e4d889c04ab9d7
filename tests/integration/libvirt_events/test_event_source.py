# ctest-labels: slow
# ctest-timeout: 900
"""vmha::virt::EventSource against a real private libvirtd and real QEMU
guests, through tests/tools/vmha_event_probe (one JSON line per event) run
inside the daemon's mount namespace, as vmha-eventd runs next to libvirtd.

Figures (latencies, keepalive detection) are printed on stderr; ctest -V
shows them."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import unittest

from vmha_lab.peers import disk, proc
from vmha_lab.peers.domain_xml import domain_xml
from vmha_lab.peers.guest_image import GuestImage
from vmha_lab.peers.libvirtd import PrivateLibvirtd
from vmha_lab.peers.nbd import NbdExport

HA_NS = "https://vmha.dev/xmlns/libvirt-ha/1"
BOOT_TIMEOUT = 60
KEEPALIVE_INTERVAL = 1
KEEPALIVE_COUNT = 3
# libvirt declares the peer dead after `count` unanswered pings sent
# `interval` apart, the first one `interval` after the last message.
KEEPALIVE_BOUND = KEEPALIVE_INTERVAL * (KEEPALIVE_COUNT + 1) + 2
CALL_TIMEOUT = 5  # the probe's default bound on each libvirt call, seconds


def report(text):
    print(f"[figure] {text}", file=sys.stderr, flush=True)


def probe_path():
    return os.path.join(proc.build_dir(), "tests", "tools", "vmha_event_probe")


class Probe:
    """vmha_event_probe running in the daemon's namespace; a thread collects
    its events. Times are the probe's CLOCK_MONOTONIC, as time.monotonic()."""

    def __init__(self, lv, log_path, *args):
        self.events = []
        self._cond = threading.Condition()
        self._log = open(log_path, "ab")
        argv = lv.ns_cmd([probe_path(), "--uri", lv.uri,
                          "--keepalive-interval", str(KEEPALIVE_INTERVAL),
                          "--keepalive-count", str(KEEPALIVE_COUNT), *args])
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            event = json.loads(line)
            event["t"] = event["mono_ms"] / 1000.0
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def mark(self):
        """Index of the next event: wait(after=mark()) sees only later ones."""
        with self._cond:
            return len(self.events)

    def wait(self, what, predicate, timeout=20, after=0):
        """The first event from index `after` on that satisfies predicate;
        fails the test after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[after:]:
                    if predicate(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    seen = [(e["kind"], e.get("event"), e.get("domain")) for e in self.events]
                    raise AssertionError(f"no {what} within {timeout}s (probe exit "
                                         f"{self.proc.poll()}); events: {seen}")
                self._cond.wait(min(left, 0.5))

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        self.proc.stdout.close()
        self._log.close()


def kind(k):
    return lambda e: e["kind"] == k


def lifecycle(domain, *names):
    return lambda e: (e["kind"] == "lifecycle" and e["domain"] == domain
                      and (not names or e["event"] in names))


def lists_running(domain):
    def check(e):
        return e["kind"] == "resync" and any(
            d["name"] == domain and d["active"] and d["state_text"].startswith("running")
            for d in e["domains"])
    return check


class StatePoller:
    """Polls `virsh domstate --reason` back to back on a thread, keeping
    (start, end, state) per call, to place the probe's events against what
    an outside observer sees."""

    def __init__(self, lv, domain):
        self.samples = []
        self._lv = lv
        self._domain = domain
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            t0 = time.monotonic()
            cp = self._lv.run(["virsh", "domstate", "--reason", self._domain], check=False)
            self.samples.append((t0, time.monotonic(), cp.stdout.strip()))

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)

    def first(self, state):
        """(last sample before the first one in `state`, that first one)."""
        for i, s in enumerate(self.samples):
            if s[2] == state:
                return (self.samples[i - 1] if i else None), s
        raise AssertionError(f"virsh never saw {state!r}: {self.samples[-5:]}")


class EventSourceTestCase(unittest.TestCase):
    listen_addr = None  # one per class, from 127.0.0.80-89

    @classmethod
    def setUpClass(cls):
        cls.image = GuestImage.get()
        cls.lv = PrivateLibvirtd(cls.__name__.lower()[:20], listen_addr=cls.listen_addr)
        cls.lv.__enter__()
        cls.addClassCleanup(cls.lv.close)

    def start_probe(self, *args):
        probe = Probe(self.lv, os.path.join(self.lv.workdir, f"probe-{self.id()}.log"), *args)
        self.addCleanup(probe.close)
        probe.wait("connected", kind("connected"))
        probe.wait("resync", kind("resync"))
        return probe

    def start_guest(self, name, nbd=None, ha_resource=None):
        """Starts a transient guest (file disk unless nbd); returns its image
        path once the guest writes."""
        workdir = self.lv.workdir
        if nbd is None:
            image = os.path.join(workdir, f"{name}.img")
            disk.make_disk(image)
            xml = domain_xml(name, self.image, disk_path=image)
        else:
            image = nbd.image_path
            xml = domain_xml(name, self.image, nbd=nbd)
        path = os.path.join(workdir, f"{name}.xml")
        with open(path, "w") as f:
            f.write(xml)
        self.addCleanup(self.lv.run, ["virsh", "destroy", name], check=False)
        self.lv.virsh("create", path)
        if ha_resource:
            self.lv.virsh("metadata", name, HA_NS, "--key", "vmha", "--live", "--set",
                          f'<ha resource="{ha_resource}" resume-behavior="kill" '
                          'kill-paused-after="80" guest-shutdown="restart" paused-since="0"/>')
        proc.wait_until(lambda: (disk.latest_counter(image) or 0) >= 3, BOOT_TIMEOUT,
                        interval=0.2, what=f"{name} to write records")
        return image


class GuestEvents(EventSourceTestCase):
    listen_addr = "127.0.0.80"

    def test_io_error_pause_reaches_the_probe_at_once(self):
        image = os.path.join(self.lv.workdir, "ioerr.img")
        disk.make_disk(image)
        nbd = NbdExport(image, self.lv.workdir, export_name="ioerr", error_filter=True)
        nbd.__enter__()
        self.addCleanup(nbd.close)
        probe = self.start_probe()
        mark = probe.mark()
        self.start_guest("ioerr", nbd=nbd)
        started = probe.wait("started", lifecycle("ioerr", "started/booted"), after=mark)
        self.assertEqual((started["state"], started["reason"]), (1, 1), "running (booted)")

        poller = StatePoller(self.lv, "ioerr")
        self.addCleanup(poller.stop)
        proc.wait_until(lambda: len(poller.samples) >= 3, 20, what="virsh polling")
        mark = probe.mark()
        nbd.fail_on()
        io = probe.wait("I/O error", lambda e: e["kind"] == "io_error", after=mark)
        paused = probe.wait("suspended/ioerror", lifecycle("ioerr", "suspended/ioerror"),
                            after=mark)
        proc.wait_until(lambda: any(s[2] == "paused (I/O error)" for s in poller.samples), 20,
                        what="virsh to see the pause")
        poller.stop()

        self.assertEqual(io["domain"], "ioerr")
        self.assertEqual(io["action"], "pause")
        # libvirt's QEMU driver names only "enospc"; other errors come as "".
        self.assertEqual(io["io_reason"], "")
        self.assertEqual(io["device"], "virtio-disk0")
        self.assertIn("ioerr", io["src_path"])
        self.assertEqual(paused["state_text"], "paused (ioerror)")
        self.assertEqual(len(paused["uuid"]), 36)

        before, seen = poller.first("paused (I/O error)")
        # The pause happened after `before` started reading a running guest
        # and before `seen` returned.
        lag = paused["t"] - seen[1]
        bound = paused["t"] - before[0]
        report(f"I/O-error pause: suspended/ioerror {lag * 1000:+.1f} ms after virsh first "
               f"returned 'paused' (pause happened at most {bound * 1000:.1f} ms before the "
               f"event; virsh call {(seen[1] - seen[0]) * 1000:.1f} ms); IO_ERROR_REASON "
               f"{(paused['t'] - io['t']) * 1000:+.1f} ms before the lifecycle event")
        self.assertLess(lag, 0.1, "the event must not lag what virsh sees by 100 ms")
        self.assertLessEqual(abs(paused["t"] - io["t"]), 0.1)

        mark = probe.mark()
        nbd.fail_off()
        self.lv.virsh("resume", "ioerr")
        resumed = probe.wait("resumed", lifecycle("ioerr", "resumed/unpaused"), after=mark)
        self.assertEqual((resumed["state"], resumed["reason"]), (1, 5), "running (unpaused)")

    def test_qemu_killed_gives_stopped_failed(self):
        probe = self.start_probe()
        self.start_guest("victim")
        pid = self.lv.qemu_pid("victim")
        poller = StatePoller(self.lv, "victim")
        self.addCleanup(poller.stop)
        proc.wait_until(lambda: len(poller.samples) >= 3, 20, what="virsh polling")
        mark = probe.mark()
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        stopped = probe.wait("stopped after kill -9",
                             lifecycle("victim", "stopped/failed", "stopped/crashed"), after=mark)
        # A transient domain is gone once stopped: virsh then prints nothing.
        proc.wait_until(lambda: poller.samples[-1][2] == "", 20, what="virsh to see it gone")
        poller.stop()
        _, gone = poller.first("")
        report(f"kill -9 of QEMU: {stopped['event']} {(stopped['t'] - killed_at) * 1000:.1f} ms "
               f"after the kill, {(stopped['t'] - gone[1]) * 1000:+.1f} ms after virsh first "
               "returned 'no such domain'")
        self.assertLess(stopped["t"] - gone[1], 0.1, "the event must not lag virsh by 100 ms")
        self.assertEqual(stopped["state_text"], "shut off (" + stopped["event"].split("/")[1] + ")")
        self.assertLess(stopped["t"] - killed_at, 2.0)

    def test_guest_poweroff_gives_shutdown_events(self):
        probe = self.start_probe()
        image = self.start_guest("quitter")
        mark = probe.mark()
        disk.request_poweroff(image)
        shutdown = probe.wait("shutdown", lifecycle("quitter", "shutdown/guest",
                                                    "shutdown/finished"), after=mark)
        stopped = probe.wait("stopped/shutdown", lifecycle("quitter", "stopped/shutdown"),
                             after=mark)
        self.assertLessEqual(shutdown["t"], stopped["t"])
        self.assertEqual(stopped["state_text"], "shut off (shutdown)")
        kinds = {e["event"] for e in probe.events[mark:] if e["kind"] == "lifecycle"}
        self.assertNotIn("stopped/failed", kinds)
        self.assertNotIn("stopped/crashed", kinds)


class ConnectionLoss(EventSourceTestCase):
    listen_addr = "127.0.0.81"

    def test_libvirtd_restart_disconnects_then_resyncs(self):
        probe = self.start_probe()
        self.start_guest("survivor", ha_resource="rsc-survivor")
        mark = probe.mark()
        self.lv.restart()
        down = probe.wait("disconnected", kind("disconnected"), after=mark)
        self.assertEqual(down["reason"], "eof")
        up = probe.wait("connected again", kind("connected"), after=mark)
        resync = probe.wait("resync listing survivor", lists_running("survivor"), after=mark)
        self.assertLess(down["t"], up["t"])
        self.assertLessEqual(up["t"], resync["t"])
        entry = next(d for d in resync["domains"] if d["name"] == "survivor")
        self.assertIsNotNone(entry["ha_metadata"])
        self.assertIn('resource="rsc-survivor"', entry["ha_metadata"])
        self.assertEqual((entry["state"], entry["reason"]), (1, 1), "running (booted)")
        report(f"libvirtd restart: reconnected {(up['t'] - down['t']) * 1000:.0f} ms after "
               "the disconnect")
        # Events flow on the new connection.
        mark = probe.mark()
        self.lv.virsh("suspend", "survivor")
        probe.wait("suspended/paused", lifecycle("survivor", "suspended/paused"), after=mark)
        self.lv.virsh("resume", "survivor")
        probe.wait("resumed", lifecycle("survivor", "resumed/unpaused"), after=mark)

    def test_sigstopped_libvirtd_detected_by_keepalive_then_resynced(self):
        probe = self.start_probe()
        quitter = self.start_probe()
        self.start_guest("patient")
        pid = self.lv.pid
        self.addCleanup(lambda: proc.pid_alive(pid) and os.kill(pid, signal.SIGCONT))
        mark = probe.mark()
        stopped_at = time.monotonic()
        os.kill(pid, signal.SIGSTOP)

        # Stopping while libvirtd hangs costs at most the call timeout.
        quitter.proc.send_signal(signal.SIGTERM)
        rc = quitter.proc.wait(timeout=CALL_TIMEOUT + 10)
        quit_took = time.monotonic() - stopped_at
        report(f"stop() with libvirtd SIGSTOPped: probe exited {rc} after {quit_took:.2f} s")
        self.assertEqual(rc, 0)
        self.assertLess(quit_took, CALL_TIMEOUT + 2)
        down = probe.wait("disconnected", kind("disconnected"), timeout=KEEPALIVE_BOUND + 10,
                          after=mark)
        detected = down["t"] - stopped_at
        report(f"SIGSTOP of libvirtd: disconnected ({down['reason']}) after {detected:.2f} s "
               f"(keepalive {KEEPALIVE_INTERVAL} s x {KEEPALIVE_COUNT})")
        self.assertEqual(down["reason"], "keepalive", down)
        self.assertLess(detected, KEEPALIVE_BOUND)
        self.assertGreater(detected, KEEPALIVE_INTERVAL * KEEPALIVE_COUNT - 1,
                           "not before keepalive could have declared it dead")
        # Hung, it stays down: no Connected while stopped.
        time.sleep(2)
        self.assertFalse(any(e["kind"] == "connected" for e in probe.events[mark:]))

        mark = probe.mark()
        continued_at = time.monotonic()
        os.kill(pid, signal.SIGCONT)
        up = probe.wait("connected after SIGCONT", kind("connected"), timeout=15, after=mark)
        probe.wait("resync listing patient", lists_running("patient"), timeout=15, after=mark)
        report(f"SIGCONT of libvirtd: connected again after "
               f"{(up['t'] - continued_at) * 1000:.0f} ms")
        self.assertLess(up["t"] - continued_at, 10)


if __name__ == "__main__":
    unittest.main()
