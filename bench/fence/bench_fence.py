#!/usr/bin/env python3
"""Times fence_vmha_ipmi against fence_ipmilan (status; reboot with the same
power_wait, and reboot with each agent's defaults; status of a BMC that does
not answer) on one ipmi_sim, and fence_vmha_disk against fence_sbd
(status, list) on one sbd loop device. Calls alternate between the two
agents so that drift on the machine hits both alike. Both get their options
on stdin, as Pacemaker gives them.

    bench_fence.py [--rounds N] [--reboot-rounds N] [--power-wait S]"""

import argparse
import os
import signal
import statistics
import sys
import time

from vmha_lab.peers.bmc import Bmc
from vmha_lab.peers.loopdev import LoopDevice
from vmha_lab.peers.proc import build_dir, run

VMHA_IPMI = os.path.join(build_dir(), "stonith", "fence_vmha_ipmi", "fence_vmha_ipmi")
VMHA_DISK = os.path.join(build_dir(), "stonith", "fence_vmha_disk", "fence_vmha_disk")


def timed(argv, opts, want):
    text = "".join(f"{k}={v}\n" for k, v in opts.items())
    start = time.perf_counter()
    cp = run(argv, input=text, timeout=120, check=False)
    took = time.perf_counter() - start
    if cp.returncode not in want:
        sys.exit(f"{argv[0]} {opts.get('action')} exited {cp.returncode}: {cp.stderr.strip()}")
    return took * 1000


def compare(title, ours, theirs, rounds, want=(0,)):
    """ours/theirs: (argv, opts). Returns the two lists of ms."""
    a, b = [], []
    for i in range(rounds):
        a.append(timed(*ours, want))
        b.append(timed(*theirs, want))
        print(f"  {title} #{i + 1}: {os.path.basename(ours[0][0])} {a[-1]:8.1f} ms   "
              f"{os.path.basename(theirs[0][0])} {b[-1]:8.1f} ms", flush=True)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{title}: median {ma:.1f} ms vs {mb:.1f} ms (min {min(a):.1f} vs {min(b):.1f}, "
          f"max {max(a):.1f} vs {max(b):.1f}) -> {mb / ma:.1f}x faster\n", flush=True)
    return ma, mb


def bench_ipmi(args):
    with Bmc() as bmc:
        ours = {"ip": bmc.addr, "username": bmc.username, "password": bmc.password,
                "lanplus": "1", "cipher": "3"}
        theirs = dict(ours)
        status = compare("ipmi status", ([VMHA_IPMI], dict(ours, action="status")),
                         (["/usr/sbin/fence_ipmilan"], dict(theirs, action="status")), args.rounds)
        wait = {"power_wait": args.power_wait, "method": "onoff"}
        reboot = compare(f"ipmi reboot (power_wait={args.power_wait})",
                         ([VMHA_IPMI], dict(ours, action="reboot", **wait)),
                         (["/usr/sbin/fence_ipmilan"], dict(theirs, action="reboot", **wait)),
                         args.reboot_rounds)
        login = {"ip": bmc.addr, "username": bmc.username, "password": bmc.password}
        defaults = compare("ipmi reboot (each agent's defaults)",
                           ([VMHA_IPMI], dict(login, action="reboot")),
                           (["/usr/sbin/fence_ipmilan"], dict(login, action="reboot")),
                           args.reboot_rounds)
        # A BMC that stopped answering (ipmi_sim frozen, its port still bound).
        os.kill(bmc.pid, signal.SIGSTOP)
        try:
            dead = compare("ipmi status of a silent BMC (each agent's defaults)",
                           ([VMHA_IPMI], dict(login, action="status")),
                           (["/usr/sbin/fence_ipmilan"], dict(login, action="status")),
                           args.dead_rounds, want=range(1, 256))
        finally:
            os.kill(bmc.pid, signal.SIGCONT)
        return status, reboot, defaults, dead


def bench_disk(args):
    with LoopDevice(size_mib=4) as dev:
        run(["/usr/sbin/sbd", "-d", dev.path, "-1", "5", "-4", "10", "create"])
        for node in ("node1", "node2", "node3"):
            run(["/usr/sbin/sbd", "-d", dev.path, "allocate", node])
        opts = {"devices": dev.path, "plug": "node2"}
        status = compare("disk status", ([VMHA_DISK], dict(opts, action="status")),
                         (["/usr/sbin/fence_sbd"], dict(opts, action="status")), args.rounds)
        listing = compare("disk list", ([VMHA_DISK], dict(opts, action="list")),
                          (["/usr/sbin/fence_sbd"], dict(opts, action="list")), args.rounds)
        return status, listing


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--reboot-rounds", type=int, default=5)
    p.add_argument("--power-wait", default="1")
    p.add_argument("--dead-rounds", type=int, default=3)
    args = p.parse_args()
    (ist, ithe), (irb, irbthe), (idf, idfthe), (idd, iddthe) = bench_ipmi(args)
    (dst, dthe), (dls, dlsthe) = bench_disk(args)
    print("summary (median per call, vmha vs fence-agents):")
    print(f"  ipmi status  {ist:8.1f} ms vs {ithe:8.1f} ms  {ithe / ist:6.1f}x (goal >= 10x)")
    print(f"  ipmi reboot  {irb:8.1f} ms vs {irbthe:8.1f} ms  {irbthe / irb:6.2f}x (goal >= 1x)")
    print(f"  ipmi reboot, defaults  {idf:8.1f} ms vs {idfthe:8.1f} ms  {idfthe / idf:6.1f}x "
          "(goal >= 10x)")
    print(f"  ipmi status, silent BMC  {idd:8.1f} ms vs {iddthe:8.1f} ms  "
          f"(goal: failure reported within 1500 ms)")
    print(f"  disk status  {dst:8.1f} ms vs {dthe:8.1f} ms  {dthe / dst:6.1f}x (goal >= 5x)")
    print(f"  disk list    {dls:8.1f} ms vs {dlsthe:8.1f} ms  {dlsthe / dls:6.1f}x (goal >= 5x)")


if __name__ == "__main__":
    main()
