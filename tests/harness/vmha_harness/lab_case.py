"""A unittest base for tests of tools/vmha-lab: each test gets its own lab
(name from the PID, state in a temporary directory), `self.lab(...)` runs
the command against it, `self.results()` reads the runs it recorded, each
checked against the lab's result schema, and the lab is brought down
whatever happens."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from vmha_lab import layout, results
from vmha_lab.peers import proc
from vmha_lab.state import State

from .result_schema import schema_errors

LAB = os.path.join(proc.source_dir(), "tools", "vmha-lab")


class LabCase(unittest.TestCase):
    NAME_PREFIX = "t"

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="vmha-labtest-")
        self.name = f"{self.NAME_PREFIX}{os.getpid() % 100000}"
        self.layout = layout.Layout(self.name, 3, self.root)
        self.state = State(self.layout.dir)
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        # Whatever happens, the lab goes (down is idempotent).
        self.addCleanup(self.lab, "down", check=False)

    def lab(self, *args, check=True, timeout=120):
        """Runs vmha-lab on this test's lab; returns (CompletedProcess, seconds)."""
        t0 = time.monotonic()
        cp = subprocess.run([sys.executable, LAB, "--state-dir", self.root, "--name", self.name,
                             *args], capture_output=True, text=True, timeout=timeout)
        took = time.monotonic() - t0
        if check and cp.returncode != 0:
            self.fail(f"vmha-lab {' '.join(args)} exited {cp.returncode}:\n{cp.stdout}\n"
                      f"{cp.stderr[-6000:]}")
        return cp, took

    def wait(self, what, predicate, timeout=30):
        try:
            return proc.wait_until(predicate, timeout, interval=0.2, what=what)
        except proc.HarnessError as e:
            self.fail(str(e))

    def results(self):
        """{scenario: its last run} from this lab's results file; every run
        in the file must conform to the lab's result schema."""
        file = results.path(self.root, self.name)
        self.assertTrue(os.path.exists(file), f"no results file {file}")
        with open(file) as f:  # as written, not as results.load would upgrade it
            data = json.load(f)
        self.assertEqual(data.get("format"), results.FORMAT)
        runs = data["runs"]
        self.assertEqual(schema_errors(runs), [], "results that break result.schema.json")
        return {r["scenario"]: r for r in runs}
