"""Command line of vmha-lab: up, down, status, run, report, and chassis
(the BMCs' hook, not for people)."""

import argparse
import json
import os
import sys

from . import layout as L
from . import power
from .peers.proc import HarnessError
from .state import State

# The rest of the lab is imported where it is used, not here: the BMCs'
# hook (_chassis) runs this module at every chassis status and must be quick.


def _parser():
    from . import origin, report_cli, scenarios, up
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
    r = sub.add_parser(
        "run", help="run failure scenarios", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Runs each scenario through prepare, inject, observe, verify and\n"
        "restore, saying each as it goes, then prints its verdict and key timings\n"
        "(and the other stack's, where another lab has results). Results are kept\n"
        "in <state-dir>/results/<name>.json (see `vmha-lab report`).",
        epilog="scenarios (all: every one, in this order, least disruptive first):\n"
        + "\n".join(f"  {n:<16}{m.SUMMARY}" for n, m in scenarios.SCENARIOS.items()))
    r.add_argument("scenario", nargs="+", metavar="SCENARIO",
                   choices=["all"] + list(scenarios.SCENARIOS), help="a scenario below, or all")
    r.add_argument("--json", action="store_true",
                   help="print each result as one line of JSON on stdout (progress goes to "
                   "stderr)")
    report_cli.add_parser(sub)
    c = sub.add_parser("chassis", help=argparse.SUPPRESS)
    c.add_argument("host")
    c.add_argument("args", nargs="*")
    return p


def _layout(args, state_hosts=None):
    return L.Layout(args.name, state_hosts or 9, args.state_dir)


def _run(layout, state, args):
    """Each scenario named, in order; 1 unless every one ran without problems."""
    from . import results, scenarios
    from .scenarios import runner
    out = sys.stderr if args.json else sys.stdout
    names = scenarios.expand(args.scenario)
    verdicts = {}
    for name in names:
        res = runner.run_one(scenarios.SCENARIOS[name], layout, state, out)
        if res is not None and args.json:
            print(json.dumps(res), flush=True)
        verdicts[name] = "skipped" if res is None else "ok" if not res["problems"] else "problems"
        print(file=out)
    bad = [n for n, v in verdicts.items() if v != "ok"]
    if len(names) > 1:
        print(f"{len(names)} scenarios: {len(names) - len(bad)} ok"
              + (f"; not ok: {', '.join(f'{n} ({verdicts[n]})' for n in bad)}" if bad else ""),
              file=out)
    print(f"results: {results.path(layout.state_root, layout.name)} (vmha-lab report)", file=out)
    return 1 if bad else 0


def _command(argv):
    """The sub-command's word: the first argument after --name and
    --state-dir and their values (as the BMCs' hook gives them)."""
    i = 0
    while i < len(argv) and argv[i] in ("--name", "--state-dir"):
        i += 2
    return argv[i] if i < len(argv) else None


def _chassis(argv):
    """The BMCs' hook, `--state-dir D --name N chassis HOST ARGS`, without
    loading the rest of vmha-lab: ipmi_sim waits for it at every chassis
    status, and the fence agents' sessions with it."""
    p = argparse.ArgumentParser(prog="vmha-lab", add_help=False)
    p.add_argument("--name", default="lab")
    p.add_argument("--state-dir", default=L.DEFAULT_STATE_ROOT)
    p.add_argument("command", choices=["chassis"])
    p.add_argument("host")
    p.add_argument("args", nargs="*")
    args = p.parse_args(argv)
    probe = L.Layout(args.name, 1, args.state_dir)
    state = State(probe.dir)
    layout = _layout(args, state.load().get("hosts"))
    try:
        sys.stdout.write(power.chassis(layout, state, layout.host(args.host), args.args))
    except HarnessError as e:
        print(f"vmha-lab: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if _command(argv) == "chassis":
        return _chassis(argv)
    from . import down, origin, report_cli, results, status, up
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
            return _run(layout, state, args)
        elif args.command == "chassis":
            sys.stdout.write(power.chassis(layout, state, layout.host(args.host), args.args))
        return 0
    except HarnessError as e:
        print(f"vmha-lab: {e}", file=sys.stderr)
        return 1
