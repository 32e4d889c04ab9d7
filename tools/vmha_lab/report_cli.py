"""`vmha-lab report [--json FILE] [--svg FILE] [--compare [LAB ...]]`: reads
results files only (no lab needs to be up, no root), prints the table and
writes the JSON and SVG next to the results unless told otherwise."""

import os
import sys

from . import report, report_svg, results
from .peers.proc import HarnessError


def add_parser(sub):
    p = sub.add_parser("report", help="table, JSON and SVG timeline of the scenarios' "
                       "results (kept after down)")
    p.add_argument("--json", metavar="FILE",
                   help="default <state-dir>/results/<name>-report.json")
    p.add_argument("--svg", metavar="FILE", help="default <state-dir>/results/<name>-report.svg")
    p.add_argument("--compare", nargs="*", metavar="LAB",
                   help="labs side by side (default: every lab with results), e.g. a vmha "
                   "and a classic stack; outputs default to compare-report.*")


def _labs(args):
    found = results.lab_files(args.state_dir)
    if args.compare is None:
        file = results.path(args.state_dir, args.name)
        if not os.path.exists(file):
            raise report.NoResults(f"no results for lab {args.name} ({file}): "
                                   f"run a scenario first (vmha-lab --name {args.name} run ...)")
        return {args.name: file}
    names = args.compare or sorted(found)
    missing = [n for n in names if n not in found]
    if missing:
        raise report.NoResults(f"no results for lab {', '.join(missing)} in "
                               f"{results.results_dir(args.state_dir)}")
    if not names:
        raise report.NoResults(f"no lab has results in {results.results_dir(args.state_dir)}")
    return {n: found[n] for n in names}


def main(args):
    try:
        labs = _labs(args)
        rep = report.build(labs)
    except (report.NoResults, HarnessError, ValueError) as e:
        print(f"vmha-lab: {e}", file=sys.stderr)
        return 1
    stem = os.path.join(results.results_dir(args.state_dir),
                        "compare-report" if args.compare is not None else f"{args.name}-report")
    json_file = args.json or stem + ".json"
    svg_file = args.svg or stem + ".svg"
    lines = report.text(rep)
    if len(labs) == 1 and args.compare is not None:
        lines.append("(one lab has results: nothing to compare it with)")
    print("\n".join(lines))
    report.write_json(rep, json_file)
    results.write_atomic(svg_file, report_svg.draw(rep))
    print(f"\nwrote {json_file} and {svg_file}")
    return 0
