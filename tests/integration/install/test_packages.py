# ctest-labels: slow packaging
# ctest-timeout: 1500
"""The packages hold exactly what `cmake --install` installs: the .deb and
the .rpm are built by tools/build-packages from the working tree (each a full
build with unit tests, 3-4 minutes on two cores) and unpacked, never
installed, then their files and modes are compared with a DESTDIR install of
VMHA_BUILD_DIR. A binary the install rules gain but the packaging forgets
fails here (and the package builds themselves fail on it)."""

import os
import shutil
import tempfile
import unittest

from installed_tree import InstalledTree, file_modes, run_group
from vmha_harness.proc import run, source_dir

BUILD_TIMEOUT = 700
# Files the packaging tools add on their own.
DEB_DOC = "/usr/share/doc/vmha/"
RPM_ADDED = ("/usr/share/doc/vmha-", "/usr/lib/.build-id/")


def built(out_dir, kind):
    """Builds one kind of package into out_dir; returns the paths printed."""
    script = os.path.join(source_dir(), "tools", "build-packages")
    out = run_group([script, "--worktree", "--only", kind, out_dir], timeout=BUILD_TIMEOUT)
    return [line for line in out.splitlines() if line]


class Packages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = InstalledTree().__enter__()
        cls.expected = file_modes(cls.tree.root)

    @classmethod
    def tearDownClass(cls):
        cls.tree.__exit__(None, None, None)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vmha-packages-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_deb_holds_what_cmake_installs(self):
        paths = built(self.tmp, "deb")
        debs = [p for p in paths if os.path.basename(p).startswith("vmha_")]
        self.assertEqual(len(debs), 1, paths)
        unpacked = os.path.join(self.tmp, "unpacked")
        run(["dpkg-deb", "-x", debs[0], unpacked])
        self.assertEqual(file_modes(unpacked, skip=(DEB_DOC,)), self.expected)
        self.assertTrue(os.path.isfile(os.path.join(unpacked, DEB_DOC.lstrip("/"), "copyright")))

        depends = run(["dpkg-deb", "-f", debs[0], "Depends"]).stdout
        for dep in ("libvirt0", "libcrmcommon", "pacemaker (>= 2.1) | pacemaker-remote"):
            self.assertIn(dep, depends)

    def test_rpm_holds_what_cmake_installs(self):
        paths = built(self.tmp, "rpm")
        rpms = [p for p in paths if "-debug" not in os.path.basename(p)]
        self.assertEqual(len(rpms), 1, paths)
        listing = run(["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\\n]", rpms[0]]).stdout
        files = {}
        for line in listing.splitlines():
            mode, path = line.split(" ", 1)
            if mode[0] != "d" and not path.startswith(RPM_ADDED):
                files[path] = mode
        self.assertEqual(files, self.expected)

        requires = run(["rpm", "-qp", "--requires", rpms[0]]).stdout
        for dep in ("libvirt.so.0", "libcrmcommon.so", "(pacemaker >= 2.1 or pacemaker-remote"):
            self.assertIn(dep, requires)


if __name__ == "__main__":
    unittest.main()
