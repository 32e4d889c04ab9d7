# ctest-labels: slow packaging
# ctest-timeout: 1500
"""The packages hold exactly what `cmake --install` installs, vmha-lab in a
package of its own (vmha-lab) and the rest in vmha: the .debs and the .rpms
are built by tools/build-packages from the working tree (each a full
build with unit tests, 3-4 minutes on two cores) and unpacked, never
installed, then their files and modes are compared with a DESTDIR install of
VMHA_BUILD_DIR. A binary the install rules gain but the packaging forgets
fails here (and the package builds themselves fail on it)."""

import os
import shutil
import tempfile
import unittest

from installed_tree import InstalledTree, file_modes, run_group
from vmha_lab.peers.proc import run, source_dir

BUILD_TIMEOUT = 700
# Files the packaging tools add on their own.
DEB_DOC = ("/usr/share/doc/vmha/", "/usr/share/doc/vmha-lab/")
RPM_ADDED = ("/usr/share/doc/vmha-", "/usr/lib/.build-id/")
# What the vmha-lab package holds; everything else is vmha's.
LAB_FILES = ("/usr/bin/vmha-lab", "/usr/lib/vmha/lab/")
# Tools the lab runs, which its package must depend on (Debian's names; the
# RPM's are in the spec).
LAB_DEB_DEPENDS = ("corosync-qnetd", "corosync-qdevice", "pacemaker-cli-utils", "pcs",
                   "libvirt-daemon-driver-qemu", "qemu-system-x86", "openipmi", "ipmitool",
                   "nbdkit", "libnbd-bin", "sbd", "busybox-static", "gcc", "libc6-dev",
                   # --stack classic
                   "fence-agents", "resource-agents")


def split(files):
    """({path: mode} of the lab's package, of vmha's)."""
    return ({p: m for p, m in files.items() if p.startswith(LAB_FILES)},
            {p: m for p, m in files.items() if not p.startswith(LAB_FILES)})


def by_name(paths, suffix):
    """{"vmha": path, "vmha-lab": path} for the packages among paths."""
    found = {}
    for p in paths:
        name = os.path.basename(p)
        if name.endswith(suffix) and "-debug" not in name and "dbgsym" not in name:
            found["vmha-lab" if name.startswith("vmha-lab") else "vmha"] = p
    return found


def built(out_dir, kind):
    """Builds one kind of package into out_dir; returns the paths printed."""
    script = os.path.join(source_dir(), "tools", "build-packages")
    out = run_group([script, "--worktree", "--only", kind, out_dir], timeout=BUILD_TIMEOUT)
    return [line for line in out.splitlines() if line]


class Packages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = InstalledTree().__enter__()
        cls.expected_lab, cls.expected = split(file_modes(cls.tree.root))

    @classmethod
    def tearDownClass(cls):
        cls.tree.__exit__(None, None, None)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vmha-packages-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_deb_holds_what_cmake_installs(self):
        paths = built(self.tmp, "deb")
        debs = by_name(paths, ".deb")
        self.assertEqual(sorted(debs), ["vmha", "vmha-lab"], paths)
        for name, expected in (("vmha", self.expected), ("vmha-lab", self.expected_lab)):
            with self.subTest(package=name):
                unpacked = os.path.join(self.tmp, "unpacked-" + name)
                run(["dpkg-deb", "-x", debs[name], unpacked])
                self.assertEqual(file_modes(unpacked, skip=DEB_DOC), expected)
                self.assertTrue(os.path.isfile(
                    os.path.join(unpacked, "usr/share/doc", name, "copyright")))

        depends = run(["dpkg-deb", "-f", debs["vmha"], "Depends"]).stdout
        for dep in ("libvirt0", "libcrmcommon", "pacemaker (>= 2.1) | pacemaker-remote"):
            self.assertIn(dep, depends)
        lab_depends = [d.strip() for d in
                       run(["dpkg-deb", "-f", debs["vmha-lab"], "Depends"]).stdout.split(",")]
        self.assertIn("vmha (= 0.1.0)", lab_depends)
        for dep in LAB_DEB_DEPENDS:
            self.assertIn(dep, lab_depends)

    def test_rpm_holds_what_cmake_installs(self):
        paths = built(self.tmp, "rpm")
        rpms = by_name(paths, ".rpm")
        self.assertEqual(sorted(rpms), ["vmha", "vmha-lab"], paths)
        for name, expected in (("vmha", self.expected), ("vmha-lab", self.expected_lab)):
            with self.subTest(package=name):
                listing = run(["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\\n]",
                               rpms[name]]).stdout
                files = {}
                for line in listing.splitlines():
                    mode, path = line.split(" ", 1)
                    if mode[0] != "d" and not path.startswith(RPM_ADDED):
                        files[path] = mode
                self.assertEqual(files, expected)

        requires = run(["rpm", "-qp", "--requires", rpms["vmha"]]).stdout
        for dep in ("libvirt.so.0", "libcrmcommon.so", "(pacemaker >= 2.1 or pacemaker-remote"):
            self.assertIn(dep, requires)
        lab_requires = run(["rpm", "-qp", "--requires", rpms["vmha-lab"]]).stdout.splitlines()
        self.assertIn("vmha(x86-64) = 0.1.0-1", lab_requires)
        for dep in ("corosync-qnetd", "corosync-qdevice", "pcs", "OpenIPMI-lanserv", "nbdfuse", "sbd",
                    "fence-agents-ipmilan", "resource-agents"):
            self.assertIn(dep, lab_requires)


if __name__ == "__main__":
    unittest.main()
