"""Where this vmha-lab runs from, and so where its pieces come from.

Installed (`cmake --install`, a package), the launcher and this package lie
side by side in one private directory (/usr/lib/vmha/lab), and the hosts use
vmha's installed agents and daemons, which they see where Pacemaker looks
for them. From the source tree (tools/ beside the project's CMakeLists.txt),
the binaries come from a build directory, overlaid on each host's /usr."""

import os

LAB_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_TOP = os.path.dirname(LAB_DIR)
INSTALLED = not (os.path.basename(LAB_DIR) == "tools"
                 and os.path.isfile(os.path.join(_TOP, "CMakeLists.txt")))
SOURCE_DIR = None if INSTALLED else _TOP
# An installed lab keeps what it builds for itself (the guest image) here.
CACHE_DIR = "/var/cache/vmha-lab"


def build_dir(given=None):
    """The build directory whose binaries the hosts use, or None for the
    installed ones: `given` (--build-dir) if any; else None when installed,
    $VMHA_BUILD_DIR or the source tree's build/ otherwise."""
    if given:
        return os.path.abspath(given)
    if INSTALLED:
        return None
    return os.path.abspath(os.environ.get("VMHA_BUILD_DIR") or os.path.join(SOURCE_DIR, "build"))


def harness_environment(build):
    """The variables the peers read (see peers/proc.py), for a lab
    whose binaries come from `build` (None: the installed ones)."""
    env = {}
    if build:
        env["VMHA_BUILD_DIR"] = build
    else:
        env["VMHA_CACHE_DIR"] = os.environ.get("VMHA_CACHE_DIR") or CACHE_DIR
    if SOURCE_DIR:
        env["VMHA_SOURCE_DIR"] = SOURCE_DIR
    return env
