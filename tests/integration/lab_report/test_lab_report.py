# ctest-labels: unit lab_report
# ctest-timeout: 60
"""`vmha-lab report` and `report --compare` on recorded results files
(fixtures/: a vmha lab's figures as measured, a classic lab's for layout):
the table, the JSON and the SVG timeline; the results conform to the
lab's result schema, results of format 1 (fixtures/format1/) read as
format 2, and a run's verdict line shows the other stack's run. Files
only: no lab, no root."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

from vmha_harness.result_schema import schema_errors
from vmha_lab import layout, results
from vmha_lab.peers import proc
from vmha_lab.peers.cluster import corosync_conf
from vmha_lab.scenarios import runner
from vmha_lab.state import State

LAB = os.path.join(proc.source_dir(), "tools", "vmha-lab")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SVG = "{http://www.w3.org/2000/svg}"
SCENARIOS = ["qemu-crash", "guest-poweroff", "network-cut", "power-cut"]


class LabReport(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="vmha-lab-report-")
        self.addCleanup(shutil.rmtree, self.root)
        self.results = os.path.join(self.root, "results")
        os.makedirs(self.results)
        for name in ("lab-vmha", "lab-classic"):
            shutil.copy(os.path.join(FIXTURES, f"{name}.json"), self.results)

    def lab(self, *args, expect=0):
        cp = subprocess.run([sys.executable, LAB, "--state-dir", self.root, *args],
                            capture_output=True, text=True, timeout=30)
        self.assertEqual(cp.returncode, expect, cp.stdout + cp.stderr)
        return cp

    def row(self, out, pattern):
        rows = [line for line in out.splitlines() if re.fullmatch(pattern, line)]
        self.assertEqual(len(rows), 1, f"no single row matching {pattern!r} in:\n{out}")

    def svg(self, path):
        tree = ET.parse(path)
        lanes = tree.getroot().findall(f"{SVG}g[@class='lane']")
        bars = tree.getroot().findall(f".//{SVG}rect[@class='bar']")
        self.assertTrue(bars)
        # Every bar is its seconds times one scale: widths are proportional.
        scales = [float(b.get("width")) / float(b.get("data-seconds")) for b in bars]
        for s in scales:
            self.assertAlmostEqual(s, scales[0], delta=scales[0] * 1e-3)
        return lanes

    def test_one_lab(self):
        out = self.lab("--name", "lab-vmha", "report").stdout
        # The last of two qemu-crash runs wins; the count says there were two.
        self.row(out, r"qemu-crash\s+2\s+-\s+-\s+0\.5\s+2\.5\s+-\s+ok")
        self.row(out, r"guest-poweroff\s+1\s+-\s+-\s+0\.6\s+2\.6\s+stop marked 0\.4, "
                 r"restored first write 2\.9, stayed stopped 5\s+ok")
        self.row(out, r"network-cut\s+1\s+5\.2\s+5\.4\s+6\.6\s+8\.8\s+rejoined 30\.1\s+ok")
        self.row(out, r"power-cut\s+1\s+-\s+never\s+6\.4\s+8\.5\s+rejoined 41\.2\s+"
                 r"h2 was not fenced through its BMC")
        self.assertIn("lab lab-vmha (5 runs recorded): stack vmha, 3 hosts, quorum device on, "
                      "kill_paused_after 10 s", out)
        self.assertIn("token 1000 ms, consensus 1200 ms, join 50 ms", out)
        self.assertIn("2 CPUs, Linux 6.18.44-fc-v595, QEMU 7.2.22 (TCG)", out)

        with open(os.path.join(self.results, "lab-vmha-report.json")) as f:
            rep = json.load(f)
        self.assertEqual([s["scenario"] for s in rep["scenarios"]], SCENARIOS)
        self.assertEqual([(lab["lab"], lab["stack"], lab["runs"]) for lab in rep["labs"]],
                         [("lab-vmha", "vmha", 5)])
        crash = rep["scenarios"][0]["labs"]["lab-vmha"]
        self.assertEqual((crash["runs"], crash["milestones"], crash["verified"]),
                         (2, {"guest_running_s": 0.5, "first_write_s": 2.5}, True))
        cut = rep["scenarios"][3]["labs"]["lab-vmha"]
        self.assertIsNone(cut["milestones"]["fenced_s"])
        self.assertEqual((cut["verified"], cut["problems"]),
                         (False, ["h2 was not fenced through its BMC"]))
        self.assertEqual(rep["labs"][0]["facts"]["corosync"]["totem_ms"]["token"], 1000)

        lanes = self.svg(os.path.join(self.results, "lab-vmha-report.svg"))
        self.assertEqual([g.get("data-scenario") for g in lanes], SCENARIOS)
        net = {b.get("data-milestone"): float(b.get("data-seconds"))
               for b in lanes[2].findall(f"{SVG}rect[@class='bar']")}
        self.assertEqual(net, {"detected_s": 5.2, "fenced_s": 5.4, "guest_running_s": 6.6,
                               "first_write_s": 8.8})
        # Power-cut's fencing never happened: no bar, "never" in red.
        self.assertNotIn("fenced_s", [b.get("data-milestone")
                                      for b in lanes[3].findall(f"{SVG}rect[@class='bar']")])
        never = lanes[3].findall(f"{SVG}text[@class='never']")
        self.assertEqual([(t.get("data-milestone"), t.text, t.get("fill")) for t in never],
                         [("fenced_s", "fenced: never", "#d62728")])

    def test_compare(self):
        # A lab's own report in the results directory is not taken for a lab.
        self.lab("--name", "lab-vmha", "report")
        json_out = os.path.join(self.root, "cmp.json")
        out = self.lab("report", "--compare", "--json", json_out).stdout
        # Per scenario: the vmha lab, the classic lab, then classic/vmha.
        self.row(out, r"qemu-crash\s+lab-vmha \(vmha\)\s+2\s+-\s+-\s+0\.5\s+2\.5\s+-\s+ok")
        self.row(out, r"\s+lab-classic \(classic\)\s+1\s+-\s+-\s+10\.4\s+12\.5\s+-\s+ok")
        self.row(out, r"\s+lab-classic/lab-vmha\s+20\.8x\s+5\.0x")
        self.row(out, r"\s+lab-classic \(classic\)\s+1\s+-\s+-\s+10\.8\s+12\.9\s+"
                 r"stop marked never\s+g2 ran again although it halted itself with "
                 r"guest_shutdown=stop")
        self.row(out, r"\s+lab-classic/lab-vmha\s+18\.0x\s+5\.0x")
        # Power-cut ran in the vmha lab only: no classic row, no ratio.
        self.row(out, r"power-cut\s+lab-vmha \(vmha\)\s+1\s+-\s+never\s+6\.4\s+8\.5\s+.*")
        self.assertIn("lab lab-classic (3 runs recorded): stack classic, 3 hosts, quorum device "
                      "on, kill_paused_after: none (not vmha's agent)", out)
        self.assertIn("lab lab-vmha (5 runs recorded): stack vmha", out)

        with open(json_out) as f:
            rep = json.load(f)
        self.assertEqual([lab["lab"] for lab in rep["labs"]], ["lab-vmha", "lab-classic"])
        by = {s["scenario"]: s for s in rep["scenarios"]}
        self.assertEqual(by["network-cut"]["ratios"],
                         {"lab-classic/lab-vmha": {"guest_running_s": 1.2,
                                                   "first_write_s": 1.2}})
        self.assertEqual(list(by["power-cut"]["labs"]), ["lab-vmha"])
        self.assertEqual(by["power-cut"]["ratios"], {})
        poweroff = by["guest-poweroff"]["labs"]["lab-classic"]
        self.assertIsNone(poweroff["milestones"]["stop_marked_s"])
        self.assertFalse(poweroff["verified"])

        lanes = self.svg(os.path.join(self.results, "compare-report.svg"))
        pairs = [(g.get("data-scenario"), g.get("data-stack")) for g in lanes]
        self.assertEqual(pairs, [("qemu-crash", "vmha"), ("qemu-crash", "classic"),
                                 ("guest-poweroff", "vmha"), ("guest-poweroff", "classic"),
                                 ("network-cut", "vmha"), ("network-cut", "classic"),
                                 ("power-cut", "vmha")])
        never = [(g.get("data-stack"), t.get("data-milestone")) for g in lanes
                 for t in g.findall(f"{SVG}text[@class='never']")]
        self.assertEqual(never, [("classic", "stop_marked_s"), ("vmha", "fenced_s")])

    def test_runs_under_other_settings_are_marked(self):
        # As if the lab had been brought up again without its quorum device
        # before the last scenario: the runs before it are marked.
        path = os.path.join(self.results, "lab-vmha.json")
        with open(path) as f:
            data = json.load(f)
        later = dict(data["facts"], qdevice=False)
        data["facts"] = data["runs"][-1]["facts"] = later
        with open(path, "w") as f:
            json.dump(data, f)
        out = self.lab("--name", "lab-vmha", "report").stdout
        self.row(out, r"qemu-crash\s+2\*\s+-\s+-\s+0\.5\s+2\.5\s+-\s+ok")
        self.row(out, r"power-cut\s+1\s+-\s+never\s+.*")
        self.assertIn("* this run's lab had other settings than the latest", out)
        self.assertIn("quorum device off", out)

    def test_corosync_values_without_a_running_host(self):
        # With every host off, the values come from the corosync.conf the lab
        # wrote plus corosync's defaults: the same a running lab's cmap showed.
        lab = layout.Layout("cf", 3, self.root)
        os.makedirs(os.path.join(lab.hosts[0].dir, "etc-corosync"))
        with open(os.path.join(lab.hosts[0].dir, "etc-corosync", "corosync.conf"), "w") as f:
            f.write(corosync_conf("c", [(1, "h1", "10.0.0.1")], layout.TOKEN_MS))
        self.assertEqual(results._conf_totem(lab),
                         {"token": 1000, "consensus": 1200, "join": 50,
                          "token_retransmits_before_loss_const": 4})

    def test_fixtures_conform_to_the_schema(self):
        for name in ("lab-vmha", "lab-classic"):
            with open(os.path.join(FIXTURES, f"{name}.json")) as f:
                data = json.load(f)
            self.assertEqual(data["format"], results.FORMAT, name)
            self.assertEqual(schema_errors(data["runs"]), [], name)
        # What the schema refuses: a scenario's own value outside extra, a
        # core timing left out, a stack it does not know.
        run = dict(data["runs"][0])
        self.assertTrue(schema_errors([dict(run, hang_s=3)]))
        self.assertTrue(schema_errors([{k: v for k, v in run.items() if k != "fenced_s"}]))
        self.assertTrue(schema_errors([dict(run, stack="other")]))
        self.assertTrue(schema_errors([dict(run, measured=["same_boot"])]),
                        "same_boot measured but missing")

    def test_format1_results_read_as_format2(self):
        old = tempfile.mkdtemp(prefix="vmha-lab-report-old-")
        self.addCleanup(shutil.rmtree, old)
        os.makedirs(os.path.join(old, "results"))
        shutil.copy(os.path.join(FIXTURES, "format1", "lab-vmha.json"),
                    os.path.join(old, "results"))
        upgraded = results.load(os.path.join(old, "results", "lab-vmha.json"))["runs"]
        self.assertEqual(schema_errors(upgraded), [])
        with open(os.path.join(self.results, "lab-vmha.json")) as f:
            self.assertEqual(upgraded, json.load(f)["runs"], "the migrated fixture is upgrade()'s")

        def table(root):
            cp = subprocess.run([sys.executable, LAB, "--state-dir", root, "--name", "lab-vmha",
                                 "report"], capture_output=True, text=True, timeout=30)
            self.assertEqual(cp.returncode, 0, cp.stderr)
            return [line for line in cp.stdout.splitlines() if not line.startswith("wrote ")]
        self.assertEqual(table(old), table(self.root))

        # A new run appended to a format 1 file rewrites it as format 2.
        lab = layout.Layout("lab-vmha", 3, old)
        state = State(lab.dir)
        with state.edit() as data:
            data.update(stack="vmha", hosts=3, qdevice=True)
        new = dict(upgraded[0], phases_s={"prepare": 1.0, "restore": 2.0})
        for k in ("recorded_at", "facts"):
            del new[k]
        results.record(lab, state, new)
        with open(results.path(old, "lab-vmha")) as f:
            data = json.load(f)
        self.assertEqual((data["format"], len(data["runs"])), (results.FORMAT, 6))
        self.assertEqual(schema_errors(data["runs"]), [])

    def test_verdict_line_beside_the_other_stack(self):
        lab = layout.Layout("lab-vmha", 3, self.root)
        runs = {r["scenario"]: r for r in results.load(os.path.join(self.results,
                                                                    "lab-vmha.json"))["runs"]}
        net = runs["network-cut"]
        self.assertEqual(
            runner.verdict(net, runner.other_stack_run(lab, net)),
            "network-cut: ok; detected 5.2 s, fenced 5.4 s, running 6.6 s, first write 8.8 s"
            " | classic (lab lab-classic): detected 5.3 s, fenced 6.1 s, running 7.9 s, "
            "first write 10.2 s")
        cut = runs["power-cut"]
        self.assertIsNone(runner.other_stack_run(lab, cut), "no classic power-cut recorded")
        self.assertEqual(runner.verdict(cut),
                         "power-cut: 1 problem; detected -, fenced never, running 6.4 s, "
                         "first write 8.5 s")

    def test_no_results(self):
        empty = tempfile.mkdtemp(prefix="vmha-lab-report-empty-")
        self.addCleanup(shutil.rmtree, empty)
        for args in (["--name", "nolab", "report"], ["report", "--compare"]):
            cp = subprocess.run([sys.executable, LAB, "--state-dir", empty, *args],
                                capture_output=True, text=True, timeout=30)
            self.assertEqual(cp.returncode, 1, cp.stdout + cp.stderr)
            self.assertRegex(cp.stderr, r"^vmha-lab: no (results for lab nolab|lab has results)")
            self.assertEqual(os.listdir(empty), [])


if __name__ == "__main__":
    unittest.main()
