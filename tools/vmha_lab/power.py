"""Each host's BMC: one ipmi_sim (peers.bmc.Bmc) on the management
network whose chassis hook is `vmha-lab chassis HOST ...`, so that IPMI
power control really kills and boots the host's namespaces."""

import os
import shlex
import time

from . import hosts
from .peers import cluster_net
from .peers.bmc import Bmc
from .peers.proc import run
from .state import proc_record

USER = "admin"
# A host its BMC powers on once the lab is up (fencing's reboot) spends this
# long in its firmware before it starts anything. Without it a lab host is
# back in a second, unlike a real one: it rejoined before the survivors'
# fencer had confirmed its fencing (and was then told it was fenced and
# stopped its cluster stack), or took back its guests before a survivor
# could, on a loaded machine.
POST_S = 10
LAB_COMMAND = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))),
                           "vmha-lab")


def password_file(layout):
    return os.path.join(layout.dir, "bmc-password")


def read_password(layout):
    with open(password_file(layout)) as f:
        return f.read().strip()


def write_password(layout, password):
    fd = os.open(password_file(layout), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")


def _hook(layout, spec):
    """The hook's script. `get power`, asked at every chassis status, is
    answered in the shell, as chassis() would (the host's PID 1 runs, with
    the start time recorded: hosts.pid1_file; field 22 of /proc/PID/stat):
    ipmi_sim answers nothing else while its hook runs, and Python's start
    took long enough on a loaded machine for fence agents to give up."""
    argv = ["/usr/bin/python3", LAB_COMMAND, "--state-dir", layout.state_root,
            "--name", layout.name, "chassis", spec.name]
    return ("#!/bin/sh\n# ipmi_sim's chassis_control for lab host "
            f"{spec.name}: get power | set power 0|1 | set reset 1 | set shutdown 1\n"
            'if [ "$1 $2" = "get power" ]; then\n'
            f"  if read -r pid start 2>/dev/null < {shlex.quote(hosts.pid1_file(spec))} &&\n"
            "     stat=$(sed 's/.*) //' \"/proc/$pid/stat\" 2>/dev/null); then\n"
            "    set -- $stat\n"
            '    if [ "$1" != Z ] && [ "$1" != X ] && [ "${20}" = "$start" ]; then\n'
            "      echo power:1\n      exit 0\n    fi\n  fi\n"
            "  echo power:0\n  exit 0\nfi\n"
            f"exec {shlex.join(argv)} \"$@\"\n")


def start_bmcs(layout, state):
    password = read_password(layout)
    for h in layout.hosts:
        bmc = Bmc(addr=h.bmc_addr, username=USER, password=password, netns=layout.net_ns,
                  workdir=h.bmc_dir, chassis_hook=_hook(layout, h))
        state.set_proc(f"bmc-{h.name}", proc_record(bmc.pid))


def chassis(layout, state, spec, args):
    """What the hook does; returns the text ipmi_sim reads on stdout."""
    words = " ".join(args[:2])
    if words == "get power":
        return f"power:{1 if hosts.is_on(state, spec) else 0}\n"
    event = None
    # `up` powers the hosts on through their BMCs too: no self test then.
    post_s = POST_S if state.load().get("guests") else 0
    if words == "set power" and args[2:] == ["1"]:
        event = "on"
        hosts.power_on(state, spec, post_s)
    elif (words == "set power" and args[2:] == ["0"]) or words == "set shutdown":
        event = "off"
        hosts.power_off(state, spec)
    elif words == "set reset":
        event = "reset"
        hosts.power_off(state, spec)
        hosts.power_on(state, spec, post_s)
    if event:
        with open(os.path.join(spec.bmc_dir, "events"), "a") as f:
            f.write(f"{time.time():.3f} {event}\n")
    return ""


def ipmitool(layout, spec, *args, timeout=20):
    """ipmitool against the host's BMC from the management network; the
    password goes through the environment (-E), never the command line.
    Each message is resent after 2 s rather than lanplus's 1 s: the BMC
    answers a chassis status only once its hook has returned (a Python
    process, slow on a loaded machine)."""
    env = dict(os.environ, IPMI_PASSWORD=read_password(layout))
    return run([cluster_net.IP, "netns", "exec", layout.net_ns, "ipmitool", "-I", "lanplus",
                "-C", "3", "-N", "2", "-R", "4", "-H", spec.bmc_addr, "-U", USER, "-E", *args],
               env=env, timeout=timeout, check=False)


def bmc_power(layout, spec):
    """"on"/"off" as the BMC answers over IPMI, or "no answer"."""
    cp = ipmitool(layout, spec, "chassis", "power", "status")
    out = cp.stdout.strip()
    if cp.returncode == 0 and out.startswith("Chassis Power is "):
        return out.rsplit(" ", 1)[1]
    return "no answer"
