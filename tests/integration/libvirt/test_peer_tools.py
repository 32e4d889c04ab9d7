# ctest-labels: slow
# ctest-timeout: 600
"""The agent driven by Pacemaker's and resource-agents' own tools, with no
cluster: ocf-tester, and crm_resource's --force-* and --validate, which run
an agent exactly as the executor would and exit with its code."""

import os

from agent_fixture import AgentTestCase, agent_path
from vmha_lab.peers import proc


class PeerTools(AgentTestCase):
    listen_addr = "127.0.0.76"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # crm_resource looks agents up under /usr/lib/ocf/resource.d: show the
        # build tree's provider there, inside the daemon's namespace only.
        layer = os.path.join(cls.lv.workdir, "ocf-layer")
        os.makedirs(layer)
        os.symlink(os.path.dirname(agent_path()), os.path.join(layer, "vmha"))
        cls.lv.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={layer}:/usr/lib/ocf/resource.d", "/usr/lib/ocf/resource.d"])

    def crm_resource(self, op, config, **options):
        argv = ["crm_resource", op, "--class", "ocf", "--provider", "vmha",
                "--agent", "VirtualMachine",
                "--option", f"config={config}", "--option", "shutdown_timeout=5"]
        for k, v in options.items():
            argv += ["--option", f"{k}={v}"]
        return self.lv.run(argv, check=False, timeout=120)

    def test_ocf_tester_passes(self):
        config, _ = self.make_guest("tester")
        cp = self.lv.run(["ocf-tester", "-n", "tester", "-o", f"config={config}",
                          "-o", "shutdown_timeout=3", agent_path()], check=False, timeout=300)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("passed all tests", cp.stdout)

    def test_crm_resource_force_actions(self):
        config, image = self.make_guest("crmres")
        self.assertEqual(self.crm_resource("--validate", config).returncode, 0)
        self.assertEqual(self.crm_resource("--force-check", config).returncode, 7)
        started = self.crm_resource("--force-start", config)
        self.assertEqual(started.returncode, 0, started.stderr)
        self.wait_writing(image)
        self.assertEqual(self.crm_resource("--force-check", config).returncode, 0)
        self.assertEqual(self.crm_resource("--force-check", config, OCF_CHECK_LEVEL=10).returncode, 0)
        stopped = self.crm_resource("--force-stop", config)
        self.assertEqual(stopped.returncode, 0, stopped.stderr)
        self.assertEqual(self.domstate("crmres"), "absent")
        self.assertEqual(self.crm_resource("--force-check", config).returncode, 7)

    def test_crm_resource_bad_parameters(self):
        config, _ = self.make_guest("crmbad")
        bad = self.crm_resource("--validate", config, resume_behavior="bogus")
        self.assertEqual(bad.returncode, 6, bad.stdout + bad.stderr)
        self.assertIn("resume_behavior", bad.stdout + bad.stderr)
        missing = os.path.join(self.lv.workdir, "nope.xml")
        self.assertEqual(self.crm_resource("--validate", missing).returncode, 2)
        self.assertEqual(self.crm_resource("--force-start", missing).returncode, 2)
