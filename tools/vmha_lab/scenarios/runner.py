"""Runs one scenario module through its parts (see __init__.py), saying
each part as it starts, then records its result (results.py) and prints
one verdict line with the key timings, beside the other stack's last run
of the same scenario when a lab of that stack has results."""

import os
import sys
import time
import traceback

from .. import results
from ..peers.proc import HarnessError
from .contract import PARTS, Run

# The verdict line's timings: result key, label.
KEY_TIMINGS = (("detected_s", "detected"), ("fenced_s", "fenced"),
               ("guest_running_s", "running"), ("first_write_s", "first write"),
               ("guest_pause_s", "longest pause"))


def run_one(module, layout, state, out=sys.stdout):
    """Runs the scenario; returns its recorded result, or None when the lab
    cannot run it (the reason is printed)."""
    run = Run(module, layout, state, out)
    print(f"{module.NAME} ({run.stack} stack): {module.SUMMARY}", file=out, flush=True)
    why = module.NEEDS.unmet(state.load())
    if why is None and run.stack not in module.EXPECTED:
        why = f"nothing to expect of the {run.stack} stack"
    if why:
        print(f"{module.NAME}: skipped: {why}", file=out, flush=True)
        return None
    run.say(f"expected: {module.EXPECTED[run.stack]}")
    phases = _run_parts(run)
    result = _result(run, phases)
    recorded = results.record(layout, state, result)
    print(verdict(recorded, other_stack_run(layout, recorded)), file=out, flush=True)
    for p in recorded["problems"]:
        print(f"    problem: {p}", file=out)
    for f in recorded["findings"]:
        print(f"    finding: {f}", file=out)
    return recorded


def _run_parts(run):
    """Runs prepare to verify until one fails, and restore once inject has
    started, whatever happened since; returns {part: seconds it took}."""
    phases = {}
    failed = False
    for part in PARTS:
        if failed and (part != "restore" or "inject" not in phases):
            continue
        run.say(part)
        t = time.monotonic()
        try:
            getattr(run.scenario, part)(run)
        except HarnessError as e:
            run.problem(f"{part}: {e}")
            failed = True
        except KeyboardInterrupt:
            if part in ("prepare", "restore"):
                raise
            run.say("interrupted: restoring the lab (interrupt again to leave it as it is)")
            run.scenario.restore(run)
            raise
        except Exception as e:  # a bug in the scenario: said, and the lab restored
            traceback.print_exc()
            run.problem(f"{part}: {type(e).__name__}: {e} (a vmha-lab bug)")
            failed = True
        phases[part] = round(time.monotonic() - t, 2)
    run.say("done")
    return phases


def _result(run, phases):
    """The result's fields (results.py and result.schema.json say what each
    means), less recorded_at and facts, which results.record adds."""
    m = run.scenario
    measured = [k for k in results.CORE_TIMINGS + results.KEEPS_RUNNING if k in m.MEASURES]
    for k, v in run.timings.items():
        if v is not None and k not in m.MEASURES:
            run.problem(f"{k} recorded but not in the scenario's MEASURES (a vmha-lab bug)")
    undocumented = sorted(set(run.extra) - set(m.EXTRA))
    if undocumented:
        run.problem(f"extra {undocumented} not in the scenario's EXTRA (a vmha-lab bug)")
    res = {"scenario": m.NAME, "stack": run.stack, "host": run.host, "guest": run.guest,
           "new_host": run.new_host, "problems": run.problems, "findings": run.findings}
    res.update((k, run.timings[k]) for k in results.CORE_TIMINGS)
    if "guest_pause_s" in m.MEASURES:
        res["guest_pause_s"] = run.timings["guest_pause_s"]
    if "same_boot" in m.MEASURES:
        res["same_boot"] = run.same_boot
    res.update(measured=measured, fence_events=run.fence_events, phases_s=phases,
               extra=run.extra)
    return res


def _seconds(v):
    return "never" if v is None else f"{v:g} s"


def timings_text(res):
    """The key timings of a result: "detected 2 s, fenced never, ..."."""
    shown = []
    for k, label in KEY_TIMINGS:
        if k in res.get("measured", []):
            shown.append(f"{label} {_seconds(res.get(k))}")
        elif k != "guest_pause_s":
            shown.append(f"{label} -")
    if "same_boot" in res.get("measured", []):
        shown.append("same boot" if res.get("same_boot") else "rebooted")
    return ", ".join(shown)


def verdict(res, other=None):
    """One line: the scenario, ok or how many problems, the key timings,
    and those of `other` (the other stack's run, from another lab)."""
    n = len(res["problems"])
    word = "ok" if not n else f"{n} problem{'s' if n > 1 else ''}"
    line = f"{res['scenario']}: {word}; {timings_text(res)}"
    if other:
        line += f" | {other['stack']} (lab {other['lab']}): {timings_text(other)}"
    return line


def other_stack_run(layout, res):
    """The latest run of res's scenario on the other stack, from any lab's
    results beside this lab's, with "lab" added; None without one."""
    best = None
    for lab, file in results.lab_files(layout.state_root).items():
        if lab == layout.name or not os.path.exists(file):
            continue
        try:
            runs = results.load(file)["runs"]
        except (HarnessError, ValueError):
            continue
        for r in runs:
            if r.get("scenario") == res["scenario"] and r.get("stack") != res["stack"] and (
                    best is None or r.get("recorded_at", "") >= best.get("recorded_at", "")):
                best = dict(r, lab=lab)
    return best
