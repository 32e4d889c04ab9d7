# ctest-labels: slow lab
# ctest-timeout: 900
"""tools/vmha-lab end to end: `up` builds a three-host cluster (corosync,
pacemaker, libvirtd and a BMC per host, qnetd, NBD storage) and returns
with it running; the cluster, fencing and guests are checked from outside
vmha; the failure scenarios run and verify themselves; `down` leaves no
process, namespace, mount or loop device behind."""

import json
import os
import sys
import unittest

from vmha_harness.lab_case import LabCase
from vmha_lab import hosts
from vmha_lab.down import leftovers
from vmha_lab.peers import cluster_net, disk, proc
from vmha_lab.peers.cluster_host import pids_in_pidns
from vmha_lab.state import is_same_process

UP_TIMEOUT = 240
# Scenario: the timings its result must carry (core, or "extra." for the
# scenario's own). Host-loss scenarios last.
SCENARIOS = {
    "qemu-crash": ("guest_running_s", "first_write_s", "qemu_started_s"),
    "guest-poweroff": ("guest_running_s", "first_write_s", "qemu_started_s",
                       "extra.stop_marked_s", "extra.stayed_stopped_s",
                       "extra.restored_first_write_s"),
    "libvirtd-hang": ("detected_s", "guest_pause_s", "extra.new_guests_kept_away_s",
                      "extra.health_green_after_cont_s"),
    "storage-outage": ("detected_s", "first_write_s", "guest_pause_s", "extra.paused_s",
                       "extra.green_s"),
    "storage-cut": ("detected_s", "guest_running_s", "first_write_s", "qemu_started_s",
                    "extra.paused_s", "extra.health_green_s"),
    "network-cut": ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
                    "guest_running_s", "first_write_s", "extra.rejoined_s"),
    "fence-fallback": ("detected_s", "fenced_s", "guest_running_s", "first_write_s",
                       "extra.self_fenced_s", "extra.rejoined_s"),
    "power-cut": ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
                  "guest_running_s", "first_write_s", "extra.rejoined_s"),
    "double-failure": ("detected_s", "fenced_s", "guest_running_s", "first_write_s",
                       "extra.all_running_s"),
}
SCENARIOS_TIMEOUT = 600


def log(msg):
    print(f"[lab] {msg}", file=sys.stderr, flush=True)


def value(res, key):
    return res["extra"].get(key[6:]) if key.startswith("extra.") else res.get(key)


class LabUpDown(LabCase):
    def check_output(self, out):
        """What a person sees: per scenario its parts as they go, with the
        seconds, the waits naming what they wait for, then one verdict line;
        no JSON."""
        for name in SCENARIOS:
            block = out.split(f"{name} (vmha stack): ", 1)[1].split("\n\n", 1)[0]
            for part in ("prepare", "inject", "observe", "verify", "restore", "done"):
                self.assertRegex(block, rf"(?m)^ +\d+\.\d s  {part}$", f"{name}: {part}")
            self.assertRegex(block, r"(?m)^ +\d+\.\d s  waiting for .+ \(up to \d+ s\)$")
            verdicts = [line for line in block.splitlines() if line.startswith(f"{name}: ")]
            self.assertEqual(len(verdicts), 1, block)
            self.assertRegex(verdicts[0], rf"^{name}: ok; detected (-|never|\d)")
            log(verdicts[0])
        self.assertNotRegex(out, r"(?m)^\{", "no JSON without --json")
        self.assertRegex(out, rf"(?m)^{len(SCENARIOS)} scenarios: {len(SCENARIOS)} ok$")

    def run_scenarios(self):
        """Each scenario recovers as the seeds say, verified from outside
        vmha, with its timings recorded in results that conform to the
        shipped schema."""
        cp, took = self.lab("run", *SCENARIOS, check=False, timeout=SCENARIOS_TIMEOUT)
        log(f"run {' '.join(SCENARIOS)}: {took:.1f} s")
        results = self.results()
        for name, keys in SCENARIOS.items():
            res = results.get(name)
            self.assertIsNotNone(res, f"{name} recorded no result:\n{cp.stdout[-4000:]}"
                                 f"\n{cp.stderr[-4000:]}")
            log(f"{name}: " + ", ".join(f"{k} {value(res, k)}" for k in keys))
            self.assertEqual(res["problems"], [], name)
            self.assertEqual(res["stack"], "vmha")
            for k in keys:
                self.assertIsInstance(value(res, k), (int, float), f"{name}: {k}")
                if not k.startswith("extra."):
                    self.assertIn(k, res["measured"], name)
        self.assertEqual(cp.returncode, 0, cp.stdout[-4000:] + cp.stderr[-4000:])
        self.check_output(cp.stdout)
        self.assertLess(results["qemu-crash"]["guest_running_s"], 10)
        for name in ("libvirtd-hang", "storage-outage"):
            self.assertIs(results[name]["same_boot"], True, name)
        self.assertLess(results["libvirtd-hang"]["guest_pause_s"], 3, "g1 kept writing")
        net = results["network-cut"]
        self.assertLess(net["fenced_s"], net["guest_running_s"], "fencing before the restart")
        cut = results["storage-cut"]
        self.assertLessEqual(cut["guest_running_s"], cut["extra"]["deadline_s"],
                             "storage cut: running elsewhere within kill_paused_after + 10 s")
        self.assertIsNone(cut["fenced_s"], "storage lost alone fences nobody")
        self.assertIn("fenced_s", cut["measured"], "no fencing is measured, not missing")
        self.assertIsNone(results["storage-outage"]["fenced_s"])
        cut = results["power-cut"]
        self.assertLess(cut["lost_log_s"], cut["fenced_log_s"], "lost, then fenced (logs)")
        self.assertLessEqual(cut["fenced_log_s"], cut["qemu_started_s"],
                             "the new QEMU starts only after the fencer said OK")
        pill = results["fence-fallback"]
        self.assertEqual(pill["fence_events"], [], "the stopped BMC did nothing")
        self.assertLessEqual(pill["extra"]["self_fenced_s"] + pill["extra"]["msgwait_s"],
                             pill["guest_running_s"] + 1,
                             "the guest starts elsewhere only after the pill's msgwait")
        double = results["double-failure"]
        self.assertEqual(len(double["extra"]["running_on_survivor"]), 1,
                         "one guest fits the survivor")
        self.assertEqual(len(double["extra"]["stopped_no_capacity"]), 1,
                         "the other is reported stopped")

    def test_up_status_down(self):
        cp, up_s = self.lab("up", "--build-dir", proc.build_dir(), timeout=UP_TIMEOUT)
        log(f"up: {up_s:.1f} s; {cp.stderr.strip().splitlines()[-1]}")
        data = self.state.load()
        recorded = dict(data["procs"])

        status = json.loads(self.lab("status", "--json")[0].stdout)
        names = [h.name for h in self.layout.hosts]
        self.assertEqual({h: v["bmc"] for h, v in status["hosts"].items()},
                         {h: "on" for h in names}, "every BMC reports its host on")
        c = status["cluster"]
        self.assertTrue(c["quorate"])
        self.assertEqual(c["online"], names)
        self.assertIsNotNone(c["dc"])
        for h in names:
            self.assertEqual(len(c["started"].get(f"fence-{h}", [])), 1, f"fence-{h} started")
        self.assertEqual(sorted(c["started"]["eventd"]), names, "eventd on every host")
        guests = status["guests"]
        self.assertEqual(sorted(guests), ["g1", "g2"])
        for g, v in guests.items():
            self.assertEqual(len(v["libvirt"]), 1, f"{g} runs exactly once: {v}")
            self.assertEqual(v["pacemaker"], v["libvirt"], f"{g} runs where Pacemaker says")
        self.assertNotEqual(guests["g1"]["libvirt"], guests["g2"]["libvirt"],
                            "capacity (one 96 MiB guest per 128 MiB host) spreads the guests")

        # Writing, from one boot each: the disk records move on.
        for g in guests:
            path = os.path.join(self.layout.storage_dir, g)
            before = disk.latest_counter(path)
            self.wait(f"{g} to write", lambda: disk.latest_counter(path) > before + 5)
            self.assertEqual(len({r.boot_id for r in disk.read_records(path)}), 1,
                             f"{g}: one boot wrote its disk")

        # The lone survivor rule needs the quorum device: the hosts see it.
        h1 = self.layout.hosts[0]
        quorum = hosts.run_in(self.state, h1, ["corosync-quorumtool", "-s"]).stdout
        self.assertIn("Qdevice", quorum)

        # The BMC password is in 0600 files only, never on a command line.
        pw_file = os.path.join(self.layout.dir, "bmc-password")
        self.assertEqual(os.stat(pw_file).st_mode & 0o777, 0o600)
        with open(pw_file) as f:
            password = f.read().strip().encode()
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    self.assertNotIn(password, f.read(), f"pid {pid}'s command line")
            except OSError:
                pass

        self.run_scenarios()
        recorded = dict(self.state.load()["procs"])  # fencing rebooted a host

        # A second `up` of the same lab refuses and leaves the first alone.
        cp, _ = self.lab("up", "--build-dir", proc.build_dir(), check=False)
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("down", cp.stderr)
        self.assertTrue(all(is_same_process(r) for r in recorded.values()))

        _, down_s = self.lab("down")
        log(f"down: {down_s:.1f} s")
        self.assertEqual(leftovers(self.layout), [])
        self.assertFalse(os.path.exists(self.layout.dir))
        self.assertFalse([ns for ns in cluster_net.list_netns() if self.layout.owns_netns(ns)])
        for key, rec in recorded.items():
            self.assertFalse(is_same_process(rec), f"{key} (pid {rec['pid']}) still runs")
            if rec.get("pidns"):
                self.assertEqual(pids_in_pidns(rec["pidns"]), [], f"{key}'s PID namespace")
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(self.root, f.read())


if __name__ == "__main__":
    unittest.main()
