# ctest-timeout: 120
"""The install rules put every agent where Pacemaker's own tools find it:
`cmake --install` into a private DESTDIR, made visible at /usr in a private
mount namespace only, then `pcs resource describe`, `crm ra info` and
`pcs stonith describe` on every installed agent, and their metadata validated
against the schemas of resource-agents and fence-agents; vmha-lab runs from
the installed tree alone and takes the installed agents. Labels: integration,
install (seconds; needs root for the mount namespace)."""

import hashlib
import json
import os
import re
import sys
import unittest
import xml.etree.ElementTree as ET

from installed_tree import InstalledTree, file_modes
from vmha_harness.checks import path_state
from vmha_lab.peers.proc import build_dir, run, source_dir

OCF_DIR = "/usr/lib/ocf/resource.d/vmha"
FENCE_DIR = "/usr/sbin"
VM_AGENT = OCF_DIR + "/VirtualMachine"
METADATA_DIR = "/usr/share/vmha/metadata"
RA_DTD = "/usr/share/resource-agents/ra-api-1.dtd"
RA_RNG = "/usr/share/resource-agents/metadata.rng"
FENCE_RNG = "/usr/share/cluster/relaxng/metadata.rng"
# What users set most; the design names them.
VM_KEY_PARAMETERS = ["config", "resume_behavior", "kill_paused_after", "guest_shutdown",
                     "libvirt_timeout"]
# pcs never lists these fence-agents parameters (Pacemaker sets them itself).
PCS_HIDDEN_FENCE_PARAMETERS = {"action", "version", "help"}
LAB_DIR = "/usr/lib/vmha/lab"
LAB_COMMAND = "/usr/bin/vmha-lab"
# Run by the installed Python in the installed tree: loads every module of
# the installed lab, its subpackages (the peers, the scenarios) included, and
# says where each came from, what the lab decided about its binaries, and
# which files it reads.
LAB_PROBE = """
import importlib, json, os, pkgutil, sys
sys.path.insert(0, "/usr/lib/vmha/lab")
sys.dont_write_bytecode = True
import vmha_lab
for m in pkgutil.walk_packages(vmha_lab.__path__, "vmha_lab."):
    importlib.import_module(m.name)
from vmha_lab import origin, power, up
from vmha_lab.peers import cluster_host, guest_image, libvirtd
build = origin.build_dir()
print(json.dumps({
    "installed": origin.INSTALLED,
    "build_dir": build,
    "overlays": up.agent_overlays(build),
    "environment": origin.harness_environment(build),
    "modules": sorted(m.__file__ for n, m in sys.modules.items()
                      if n.split(".")[0] in ("vmha_lab", "vmha_harness")),
    "reads": [libvirtd.LAUNCHER, libvirtd.SUBREAPER, cluster_host.INIT_SCRIPT,
              power.LAB_COMMAND]
             + [guest_image._guest_source(n) for n in guest_image.GUEST_SOURCES],
}))
"""


def parameters(metadata, fence=False):
    """Names of the parameters pcs and crm show: not deprecated ones, and for
    fence agents not the ones pcs hides."""
    names = [p.get("name") for p in ET.fromstring(metadata).iter("parameter")
             if p.get("deprecated") != "1"]
    if fence:
        names = [n for n in names if n not in PCS_HIDDEN_FENCE_PARAMETERS]
    return names


def machine_mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read()


class InstalledAgents(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("pcs", "crm", "xmllint", "unshare"):
            if not (os.path.exists(f"/usr/sbin/{tool}") or os.path.exists(f"/usr/bin/{tool}")):
                raise RuntimeError(f"{tool} is not installed: run tools/install-deps")
        cls.tree = InstalledTree().__enter__()
        # vmha may be installed on the machine: whatever is at the paths the
        # tree installs must be left exactly as it is.
        cls.machine_before = {p: path_state(p) for p in file_modes(cls.tree.root)}
        # What Pacemaker lists: it skips dot-files (the agents' helpers).
        cls.ocf_agents = sorted(n for n in os.listdir(cls.tree.path(OCF_DIR)) if not n.startswith("."))
        cls.fence_agents = sorted(n for n in os.listdir(cls.tree.path(FENCE_DIR))
                                  if n.startswith("fence_vmha_"))

    @classmethod
    def tearDownClass(cls):
        cls.tree.__exit__(None, None, None)

    def metadata(self, argv):
        return self.tree.run(argv, env=dict(os.environ, OCF_ROOT="/usr/lib/ocf")).stdout

    def ocf_metadata(self, agent):
        return self.metadata([f"{OCF_DIR}/{agent}", "meta-data"])

    def fence_metadata(self, agent):
        return self.metadata([f"{FENCE_DIR}/{agent}", "-o", "metadata"])

    def test_every_agent_with_metadata_is_installed(self):
        """Each metadata XML the build installs belongs to an installed agent:
        fence_* in the fence directory, the others under the vmha OCF
        provider, and each installed agent has its metadata."""
        installed = sorted(f[:-4] for f in os.listdir(self.tree.path(METADATA_DIR))
                           if f.endswith(".xml"))
        self.assertIn("VirtualMachine", installed)
        self.assertEqual(sorted(self.ocf_agents + self.fence_agents), installed)
        for name in installed:
            with self.subTest(agent=name):
                where = FENCE_DIR if name.startswith("fence_") else OCF_DIR
                self.assertTrue(os.access(self.tree.path(f"{where}/{name}"), os.X_OK),
                                f"{name} is not installed as {where}/{name}: add an install rule")

    def test_virtual_machine_has_its_key_parameters(self):
        shown = parameters(self.ocf_metadata("VirtualMachine"))
        for name in VM_KEY_PARAMETERS:
            self.assertIn(name, shown)

    def test_pcs_describes_each_ocf_agent(self):
        for agent in self.ocf_agents:
            with self.subTest(agent=agent):
                cp = self.tree.run(["pcs", "resource", "describe", "--full", f"ocf:vmha:{agent}"])
                self.assertTrue(cp.stdout.startswith(f"ocf:vmha:{agent} - "), cp.stdout[:200])
                for name in parameters(self.ocf_metadata(agent)):
                    self.assertRegex(cp.stdout, re.compile(rf"^  {name}( \(\w+\))*:", re.M))

    def test_crm_describes_each_ocf_agent(self):
        for agent in self.ocf_agents:
            with self.subTest(agent=agent):
                cp = self.tree.run(["crm", "ra", "info", f"ocf:vmha:{agent}"])
                self.assertIn(f"(ocf:vmha:{agent})", cp.stdout.splitlines()[0])
                for name in parameters(self.ocf_metadata(agent)):
                    self.assertRegex(cp.stdout, re.compile(rf"^{name}\*? \(", re.M))

    def test_pcs_describes_each_fence_agent(self):
        self.assertTrue(self.fence_agents, "no fence_vmha_* installed")
        for agent in self.fence_agents:
            with self.subTest(agent=agent):
                cp = self.tree.run(["pcs", "stonith", "describe", "--full", agent])
                self.assertTrue(cp.stdout.startswith(f"{agent} - "), cp.stdout[:200])
                for name in parameters(self.fence_metadata(agent), fence=True):
                    self.assertRegex(cp.stdout, re.compile(rf"^  {name}( \(\w+\))*:", re.M))

    def assert_valid(self, xml, *schema):
        # From the DTD's folder, so the DOCTYPE's relative "ra-api-1.dtd" resolves.
        cp = run(["xmllint", "--noout", *schema, "-"], input=xml, check=False,
                 cwd=os.path.dirname(RA_DTD))
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertNotRegex(cp.stderr, re.compile("error|warning", re.I))

    def test_ocf_metadata_validates(self):
        for agent in self.ocf_agents:
            with self.subTest(agent=agent):
                xml = self.ocf_metadata(agent)
                self.assert_valid(xml, "--dtdvalid", RA_DTD)
                self.assert_valid(xml, "--relaxng", RA_RNG)

    def test_fence_metadata_validates(self):
        for agent in self.fence_agents:
            with self.subTest(agent=agent):
                self.assert_valid(self.fence_metadata(agent), "--relaxng", FENCE_RNG)

    def test_installed_agent_is_the_one_run(self):
        """The namespace shows the DESTDIR's agent, not a copy the machine may
        have, and the machine's own /usr never sees it."""
        with open(self.tree.path(VM_AGENT), "rb") as f:
            ours = hashlib.sha256(f.read()).hexdigest()
        seen = self.tree.run(["sha256sum", VM_AGENT]).stdout.split()[0]
        self.assertEqual(seen, ours)
        self.assertNotIn("vmha-installed", machine_mounts())
        self.assertEqual({p: path_state(p) for p in self.machine_before}, self.machine_before)


def fresh_machine_env():
    """An administrator's environment: none of the variables ctest sets, so
    nothing can come from the source tree."""
    return {k: v for k, v in os.environ.items()
            if k != "PYTHONPATH" and not k.startswith("VMHA_")}


class InstalledLab(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = InstalledTree().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.tree.__exit__(None, None, None)

    def test_command_links_to_the_private_directory(self):
        link = os.readlink(self.tree.path(LAB_COMMAND))
        self.assertEqual(os.path.normpath(os.path.join(os.path.dirname(LAB_COMMAND), link)),
                         LAB_DIR + "/vmha-lab")
        self.assertTrue(os.access(self.tree.path(LAB_DIR + "/vmha-lab"), os.X_OK))

    def test_installed_command_runs(self):
        cp = self.tree.run([LAB_COMMAND, "--help"], cwd="/", env=fresh_machine_env())
        self.assertTrue(cp.stdout.startswith("usage: vmha-lab"), cp.stdout[:200])
        for command in ("up", "down", "status", "run"):
            self.assertRegex(cp.stdout, re.compile(rf"^    {command} ", re.M))
        cp = self.tree.run([LAB_COMMAND, "up", "--help"], cwd="/", env=fresh_machine_env())
        self.assertIn("(default: the installed ones)", " ".join(cp.stdout.split()))

    def test_installed_lab_loads_and_reads_only_installed_files(self):
        cp = self.tree.run(["/usr/bin/python3", "-c", LAB_PROBE], cwd="/",
                           env=fresh_machine_env())
        probe = json.loads(cp.stdout)
        self.assertTrue(probe["installed"])
        self.assertIsNone(probe["build_dir"])
        self.assertEqual(probe["overlays"], {}, "the hosts must see the installed agents")
        self.assertEqual(probe["environment"], {"VMHA_CACHE_DIR": "/var/cache/vmha-lab"})
        self.assertIn(LAB_DIR + "/vmha_lab/cli.py", probe["modules"])
        self.assertIn(LAB_DIR + "/vmha_lab/peers/guest_image.py", probe["modules"])
        self.assertFalse([m for m in probe["modules"] if "vmha_harness" in m],
                         "the lab loads nothing of the tests' harness")
        for path in probe["modules"] + probe["reads"]:
            with self.subTest(path=path):
                self.assertTrue(path.startswith(LAB_DIR + "/"), path)
                self.assertTrue(os.path.isfile(self.tree.path(path)), f"{path} is not installed")

    def test_source_tree_lab_uses_the_build_dir(self):
        sys.path.insert(0, os.path.join(source_dir(), "tools"))
        try:
            from vmha_lab import origin
        finally:
            sys.path.pop(0)
        self.assertFalse(origin.INSTALLED)
        self.assertEqual(origin.build_dir(), os.path.abspath(build_dir()))
        self.assertEqual(origin.build_dir("rel"), os.path.abspath("rel"))


if __name__ == "__main__":

    unittest.main()
