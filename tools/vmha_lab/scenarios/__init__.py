"""The failure scenarios of `vmha-lab run`, one module each, and their
registry: every module of this package that defines NAME is a scenario, so a
new scenario is one new file. A scenario module has these parts (kit.py
holds the Run they receive and the helpers they share; runner.py runs them):

    NAME      "qemu-crash": the name `vmha-lab run` takes
    SUMMARY   one line: the fault (`vmha-lab run --help` lists it)
    ORDER     its place in `run all`, least disruptive first: 100s a guest
              or a daemon, 200s storage, 300s the network, 400s whole hosts
    NEEDS     kit.Needs: what it needs from the lab (hosts, guests, a
              quorum device); a lab without it skips the scenario
    EXPECTED  {stack: the outcome expected there}, for "vmha" and
              "classic"; a stack missing here skips the scenario
    MEASURES  the core values it measures (results.CORE_TIMINGS, and
              "guest_pause_s" and "same_boot" where a guest keeps running);
              the other core timings stay null, reported as not measured
    EXTRA     {key: meaning} of what only it records, in the result's
              `extra` (keys ending in _s are seconds)

    prepare(run)  starts from a whole lab and picks what the fault hits
                  (run.host, run.guest)
    inject(run)   makes the fault, calling run.fault() at its moment
    observe(run)  waits for and times what follows, within bounds
    verify(run)   checks the outcome: run.problem() for what breaks the
                  expectation, run.finding() for what a stack lacks
    restore(run)  undoes the fault and leaves the lab whole for the next
                  scenario; runs once inject has started, even when a
                  later part failed (so each undo must be harmless when
                  there is nothing to undo)

Every timing is in seconds since run.fault(); a milestone that never came
is None (null in the JSON), which the report shows as "never"."""

import importlib
import pkgutil


def _load():
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME"):
            found[module.NAME] = module
    return dict(sorted(found.items(), key=lambda kv: (kv[1].ORDER, kv[0])))


# {name: module}, in `run all` order.
SCENARIOS = _load()


def expand(names):
    """The scenario names to run, "all" replaced by every scenario in order."""
    out = []
    for n in names:
        out += list(SCENARIOS) if n == "all" else [n]
    return out
