# ctest-timeout: 120
"""vmha-eventd.service as systemd reads it: `systemd-analyze verify` finds
nothing wrong once ExecStart names the built daemon (the installed path does
not exist on a build machine), and everything it points at exists."""

import os
import re
import shutil
import tempfile
import unittest

from vmha_lab.peers import proc

UNIT = os.path.join(proc.source_dir(), "tools", "vmha-eventd", "vmha-eventd.service")
DAEMON = os.path.join(proc.build_dir(), "tools", "vmha-eventd", "vmha-eventd")


class EventdServiceTest(unittest.TestCase):
    def setUp(self):
        with open(UNIT) as f:
            self.text = f.read()

    def test_systemd_accepts_the_unit(self):
        analyze = shutil.which("systemd-analyze")
        self.assertIsNotNone(analyze, "systemd-analyze is needed (package systemd)")
        self.assertIn("ExecStart=/usr/sbin/vmha-eventd ", self.text)
        with tempfile.TemporaryDirectory(prefix="vmha-unit-") as d:
            path = os.path.join(d, "vmha-eventd.service")
            with open(path, "w") as f:
                f.write(self.text.replace("ExecStart=/usr/sbin/vmha-eventd ", f"ExecStart={DAEMON} "))
            cp = proc.run([analyze, "verify", path], check=False, timeout=60)
        problems = [line for line in (cp.stdout + cp.stderr).splitlines() if "vmha-eventd.service" in line]
        self.assertEqual((cp.returncode, problems), (0, []), cp.stdout + cp.stderr)

    def test_what_it_names_exists(self):
        # A Documentation= man page or file must exist; the daemon must take
        # the options the unit passes.
        for uri in re.findall(r"^Documentation=(.*)$", self.text, re.M):
            for ref in uri.split():
                self.assertFalse(ref.startswith("man:"), f"{ref}: vmha ships no man pages")
        cp = proc.run([DAEMON, "--help"], check=False, timeout=30)
        self.assertIn("--pidfile", cp.stdout + cp.stderr)


if __name__ == "__main__":
    unittest.main()
