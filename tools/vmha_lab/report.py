"""`vmha-lab report`: the last run of each scenario from one lab's results
file (or, with --compare, from several labs side by side) as a table, as
JSON and as an SVG timeline (report_svg). A timing the scenario does not
measure (not in the result's "measured", nor in its extra) is "-"; one it
measures but that is None never happened ("never"), which is not the same
as 0."""

import json

from . import results, scenarios

# The table's timing columns: result key, heading.
COLUMNS = (("detected_s", "detected"), ("fenced_s", "fenced"),
           ("guest_running_s", "running"), ("first_write_s", "first write"))
# What the timeline draws: the columns, and the other milestones that count
# from the fault (restore times and durations such as hang_s do not).
# (health_red_s: libvirtd-hang's detection in results of format 1.)
TIMELINE = COLUMNS + (("stop_marked_s", "stop marked"), ("health_red_s", "health red"))
RATIO_KEYS = ("guest_running_s", "first_write_s")
BASE_STACK, OTHER_STACK = "vmha", "classic"


class NoResults(Exception):
    pass


def _lab_entry(name, file):
    data = results.load(file)
    runs = data["runs"]
    if not runs:
        raise NoResults(f"lab {name} has no results in {file}")
    per = {}
    for run in runs:  # later runs replace earlier ones
        sc = run.get("scenario", "?")
        per[sc] = dict(run=run, runs=per.get(sc, {}).get("runs", 0) + 1)
    return {"lab": name, "stack": data.get("stack", "vmha"), "file": file,
            "facts": data.get("facts", {}), "runs": len(runs), "scenarios": per}


def _scenario_order(labs):
    seen = [sc for lab in labs for sc in lab["scenarios"]]
    order = [sc for sc in scenarios.SCENARIOS if sc in seen]
    return order + [sc for sc in dict.fromkeys(seen) if sc not in order]


def timings(run):
    """Every timing the run measured: its measured core timings, then the
    seconds in its extra."""
    out = {k: run.get(k) for k in run.get("measured", []) if k.endswith("_s")}
    out.update((k, v) for k, v in sorted((run.get("extra") or {}).items())
               if k.endswith("_s") and (v is None or isinstance(v, (int, float))))
    return out


def _other_timings(run):
    """The run's timings outside the columns: the timeline's first."""
    t = timings(run)
    shown = {k for k, _ in COLUMNS}
    keys = [k for k, _ in TIMELINE if k in t] + sorted(t)
    return {k: t[k] for k in dict.fromkeys(keys) if k not in shown}


def _settings(facts):
    """The facts that shape timings (not where the corosync values were read)."""
    out = dict(facts)
    out["corosync"] = (facts.get("corosync") or {}).get("totem_ms")
    return out


def ratio(base, other):
    """other/base rounded, or None unless both happened."""
    if base is None or other is None or base <= 0:
        return None
    return round(other / base, 1)


def build(labs_files):
    """The report as a JSON-able dict from {lab name: results file}."""
    labs = [_lab_entry(n, f) for n, f in labs_files.items()]
    labs.sort(key=lambda lab: lab["stack"] != BASE_STACK)  # vmha first, the rest in order
    base = next((lab for lab in labs if lab["stack"] == BASE_STACK), None)
    scenarios = []
    for sc in _scenario_order(labs):
        entry = {"scenario": sc, "labs": {}}
        for lab in labs:
            got = lab["scenarios"].get(sc)
            if not got:
                continue
            run = got["run"]
            entry["labs"][lab["lab"]] = {
                "stack": lab["stack"], "runs": got["runs"],
                "recorded_at": run.get("recorded_at"),
                "milestones": {k: v for k, v in timings(run).items() if k in dict(TIMELINE)},
                "other": _other_timings(run),
                "verified": not run.get("problems"), "problems": run.get("problems", []),
                "findings": run.get("findings", []),
                "same_settings_as_latest": _settings(run.get("facts", lab["facts"]))
                == _settings(lab["facts"]),
                "result": {k: v for k, v in run.items() if k != "facts"},
            }
        if base and sc in base["scenarios"]:
            b = entry["labs"][base["lab"]]["milestones"]
            entry["ratios"] = {
                f"{name}/{base['lab']}": {k: ratio(b.get(k), o["milestones"].get(k))
                                          for k in RATIO_KEYS}
                for name, o in entry["labs"].items() if o["stack"] == OTHER_STACK}
        scenarios.append(entry)
    return {"kind": "vmha-lab report", "generated_at": results.now_iso(),
            "labs": [{k: lab[k] for k in ("lab", "stack", "file", "facts", "runs")}
                     for lab in labs],
            "scenarios": scenarios}


def seconds(milestones, key):
    if key not in milestones:
        return "-"
    v = milestones[key]
    return "never" if v is None else f"{v:g}"


def _verification(o):
    # Findings: what a stack did where a check is about behaviour it lacks.
    findings = o.get("findings") or []
    verdict = "ok" if o["verified"] else "; ".join(o["problems"])
    return verdict + (f" (findings: {'; '.join(findings)})" if findings else "")


def _row_runs(o):
    # "*": this run's lab differed (an earlier `up` under the same name).
    return f"{o['runs']}" + ("" if o["same_settings_as_latest"] else "*")


def _table(rows, left):
    """Aligned columns: the first `left` and the last two (free text) to the
    left, the figures to the right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if left <= i < len(r) - 2 else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _kill_paused_after(f):
    v = f.get("kill_paused_after_s")
    return "kill_paused_after: none (not vmha's agent)" if v is None else \
        f"kill_paused_after {v} s"


def facts_lines(lab):
    """The lab's settings and machine, under the table."""
    f = lab["facts"]
    head = f"lab {lab['lab']} ({_plural(lab['runs'], 'run')} recorded)"
    if not f:
        return [f"{head}: no facts recorded"]
    t = f["corosync"]["totem_ms"]
    totem = [f"{k} {t[k]} ms" for k in results.TOTEM_KEYS
             if k in t and k != "token_retransmits_before_loss_const"]
    if "token_retransmits_before_loss_const" in t:
        totem.append(f"{t['token_retransmits_before_loss_const']} retransmits before loss")
    m = f["machine"]
    return [f"{head}: stack {f['stack']}, {f['hosts']} hosts, quorum device "
            f"{'on' if f['qdevice'] else 'off'}, " + _kill_paused_after(f),
            f"  corosync ({f['corosync']['source']}): " + ", ".join(totem),
            f"  machine: {_plural(m['nproc'], 'CPU')}, Linux {m['kernel']}, "
            f"QEMU {m.get('qemu') or '?'} ({m.get('accel') or '?'})"]


def text(report):
    """The table and the facts under it, as lines."""
    compare = len(report["labs"]) > 1
    head = ["scenario"] + (["lab (stack)"] if compare else []) + ["runs"] + \
        [h for _, h in COLUMNS] + ["other", "verification"]
    rows = [head]
    for sc in report["scenarios"]:
        first = True
        for name, o in sc["labs"].items():
            rows.append([sc["scenario"] if first else ""] +
                        ([f"{name} ({o['stack']})"] if compare else []) + [_row_runs(o)] +
                        [seconds(o["milestones"], k) for k, _ in COLUMNS] +
                        [", ".join(f"{k[:-2].replace('_', ' ')} {seconds(o['other'], k)}"
                                   for k in o["other"]) or "-",
                         _verification(o)])
            first = False
        for label, r in sc.get("ratios", {}).items():
            rows.append(["", label, ""] +
                        ["" if k not in RATIO_KEYS else
                         ("-" if r[k] is None else f"{r[k]:.1f}x") for k, _ in COLUMNS] + ["", ""])
    out = ["Seconds from the fault to each milestone, last run of each scenario.",
           "'-': not measured by the scenario; never: did not happen."]
    out += _table(rows, 2 if compare else 1)
    if any(not o["same_settings_as_latest"] for sc in report["scenarios"]
           for o in sc["labs"].values()):
        out.append("* this run's lab had other settings than the latest (see the JSON)")
    out.append("")
    for lab in report["labs"]:
        out += facts_lines(lab)
    return out


def write_json(report, file):
    results.write_atomic(file, json.dumps(report, indent=1) + "\n")
