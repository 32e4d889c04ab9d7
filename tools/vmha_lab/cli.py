"""Command line of vmha-lab: up, down, status, run, report, and chassis
(the BMCs' hook, not for people)."""

import argparse
import json
import os
import sys

from .peers.proc import HarnessError

from . import down, origin, power, report_cli, results, run_all, scenarios, status, up
from . import layout as L
from .state import State


def _parser():
    p = argparse.ArgumentParser(prog="vmha-lab", description=(
        "A vmha cluster on this machine: hosts as namespaces with corosync, pacemaker, "
        "libvirtd and a simulated BMC each, guests on shared NBD storage. Run as root."))
    p.add_argument("--name", default="lab", help="lab name (several labs may coexist)")
    p.add_argument("--state-dir", default=L.DEFAULT_STATE_ROOT,
                   help="where labs keep their state (default %(default)s)")
    sub = p.add_subparsers(dest="command", required=True)
    u = sub.add_parser("up", help="build the lab and leave it running")
    u.add_argument("--hosts", type=int, default=3)
    u.add_argument("--no-qdevice", action="store_true", help="no corosync quorum device")
    binaries = "the installed ones" if origin.INSTALLED else "$VMHA_BUILD_DIR or build/"
    u.add_argument("--build-dir", help="take vmha's agents and daemons from this cmake "
                   f"build directory (default: {binaries})")
    u.add_argument("--stack", choices=up.STACKS, default="vmha",
                   help="vmha (default), or classic: resource-agents' VirtualDomain, "
                   "fence_ipmilan, fence_sbd with sbd, no vmha-eventd")
    u.add_argument("--keep-failed", action="store_true",
                   help="leave a failed lab in place for inspection")
    sub.add_parser("down", help="remove everything the lab made")
    s = sub.add_parser("status", help="hosts, cluster and guests")
    s.add_argument("--json", action="store_true")
    r = sub.add_parser("run", help="run failure scenarios (all: every one, least "
                       "disruptive first): " + ", ".join(run_all.expand(["all"])))
    r.add_argument("scenario", nargs="+", choices=["all"] + sorted(scenarios.SCENARIOS))
    report_cli.add_parser(sub)
    c = sub.add_parser("chassis", help=argparse.SUPPRESS)
    c.add_argument("host")
    c.add_argument("args", nargs="*")
    return p


def _layout(args, state_hosts=None):
    return L.Layout(args.name, state_hosts or 9, args.state_dir)


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "report":  # reads files only: no root needed
        return report_cli.main(args)
    if os.geteuid() != 0:
        print("vmha-lab: run as root (namespaces, mounts)", file=sys.stderr)
        return 2
    try:
        results.check_name(args.name)  # before `down` could remove the results
        probe = L.Layout(args.name, 1, args.state_dir)
        state = State(probe.dir)
        recorded = state.load().get("hosts")
        if args.command == "up":
            layout = L.Layout(args.name, args.hosts, args.state_dir)
            build = origin.build_dir(args.build_dir)  # None: the installed binaries
            os.environ.update(origin.harness_environment(build))
            up.up(layout, state, not args.no_qdevice, build, keep_failed=args.keep_failed,
                  stack=args.stack)
            return 0
        # Without a state (a crashed `up`), down sweeps every possible host.
        layout = _layout(args, recorded)
        if args.command == "down":
            down.down(layout, state)
            return 0
        if not recorded:
            print(f"vmha-lab: no lab {args.name} in {args.state_dir}", file=sys.stderr)
            return 1
        if args.command == "status":
            status.show(layout, state, as_json=args.json)
        elif args.command == "run":
            failed = False
            for name in run_all.expand(args.scenario):
                res = scenarios.SCENARIOS[name](layout, state)
                print(json.dumps(res, indent=1))
                results.record(layout, state, res)  # kept for `report`, also after `down`
                failed |= bool(res["problems"])
            return 1 if failed else 0
        elif args.command == "chassis":
            sys.stdout.write(power.chassis(layout, state, layout.host(args.host), args.args))
        return 0
    except HarnessError as e:
        print(f"vmha-lab: {e}", file=sys.stderr)
        return 1
