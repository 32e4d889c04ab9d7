"""Scenario results kept outside the lab's directory, in
<state root>/results/<lab name>.json, so that `down` (which removes the
lab's directory) does not take them along and `report` works afterwards.
Each run is stored with the facts of the lab it ran in (stack, hosts,
quorum device, the corosync timing actually used, the machine), because a
later `up` under the same name may differ.

Every run has the same core fields (result.schema.json beside this file
defines them, the README's lab section explains them) and an `extra`
object for what only its scenario records. Files written before that
(format 1: each scenario's own top-level names) are read as format 2 by
upgrade(), and rewritten so when a run is added."""

import contextlib
import datetime
import fcntl
import json
import os
import re
import subprocess

from . import cib, hosts
from . import layout as L
from .peers.proc import HarnessError

DIR_NAME = "results"
FORMAT = 2
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "result.schema.json")
# Seconds from the fault, in every result; null when it never happened or
# the scenario does not measure it (then it is not in the run's "measured").
CORE_TIMINGS = ("detected_s", "fenced_s", "lost_log_s", "fenced_log_s", "qemu_started_s",
                "guest_running_s", "first_write_s")
# Only in the results of scenarios whose guests must keep running.
KEEPS_RUNNING = ("guest_pause_s", "same_boot")
# The fields of format 1 runs that kept their name and place.
_KEPT = ("scenario", "stack", "host", "guest", "new_host", "problems", "findings",
         "recorded_at", "facts", "fence_events")
# corosync.conf(5): consensus defaults to 1.2 * token, join to 50 ms, and
# 4 retransmits before a token counts as lost.
DEFAULT_JOIN_MS = 50
DEFAULT_RETRANSMITS = 4
# Runtime keys (corosync-cmapctl runtime.config.totem.*) worth stating.
TOTEM_KEYS = ("token", "consensus", "join", "token_retransmit",
              "token_retransmits_before_loss_const", "knet_ping_interval", "knet_ping_timeout")


def results_dir(state_root):
    return os.path.join(os.path.abspath(state_root), DIR_NAME)


def path(state_root, lab_name):
    return os.path.join(results_dir(state_root), f"{lab_name}.json")


def check_name(name):
    # A lab's directory is <state root>/<name>: one named "results" would be
    # the results directory, and its `down` would remove every lab's results.
    if name == DIR_NAME:
        raise HarnessError(f"lab name {name!r} is taken by the results directory")


def _runtime_totem(state, layout):
    """The totem values corosync runs with, from a powered-on host's cmap,
    or None when no host answers."""
    spec = hosts.first_on(state, layout)
    if spec is None:
        return None
    try:
        cp = hosts.run_in(state, spec, ["corosync-cmapctl", "runtime.config.totem."],
                          timeout=10, check=False)
    except HarnessError:
        return None
    values = {}
    for line in cp.stdout.splitlines():
        # The knet keys are per link (interface.0.*): the lab has one.
        m = re.match(r"runtime\.config\.totem\.(?:interface\.0\.)?(\w+) \(\w+\) = (\d+)$",
                     line.strip())
        if m and m.group(1) in TOTEM_KEYS:
            values[m.group(1)] = int(m.group(2))
    return values if "token" in values else None


def _conf_totem(layout):
    """The totem values from the corosync.conf the lab wrote, corosync's
    documented defaults for what it leaves out. Its token_coefficient is 0,
    so the token it configures is the token used, whatever the host count."""
    values = {}
    for h in layout.hosts:
        try:
            with open(os.path.join(h.dir, "etc-corosync", "corosync.conf")) as f:
                text = f.read()
        except FileNotFoundError:
            continue
        for key in TOTEM_KEYS:
            m = re.search(rf"^\s*{key}:\s*(\d+)\s*$", text, re.M)
            if m:
                values[key] = int(m.group(1))
        break
    values.setdefault("token", L.TOKEN_MS)
    values.setdefault("consensus", int(values["token"] * 1.2))
    values.setdefault("join", DEFAULT_JOIN_MS)
    values.setdefault("token_retransmits_before_loss_const", DEFAULT_RETRANSMITS)
    return values


def corosync_facts(state, layout):
    totem = _runtime_totem(state, layout)
    source = "as running, from corosync-cmapctl"
    if totem is None:
        totem, source = _conf_totem(layout), "corosync.conf and corosync's defaults"
    return {"totem_ms": totem, "source": source}


def _accel(layout):
    """TCG or KVM, from the guests' domain XML (<domain type='qemu'> is TCG)."""
    try:
        names = sorted(os.listdir(layout.guest_dir))
        with open(os.path.join(layout.guest_dir, names[0])) as f:
            head = f.read(200)
    except (OSError, IndexError):
        return None
    m = re.search(r"<domain type=['\"](\w+)['\"]", head)
    return None if not m else {"qemu": "TCG", "kvm": "KVM"}.get(m.group(1), m.group(1))


def _qemu_version():
    try:
        out = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                             text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"version (\S+)", out)
    return m.group(1) if m else None


def facts(layout, state):
    """What a run's timings depend on, measured now."""
    data = state.load()
    stack = data.get("stack", "vmha")
    return {
        "stack": stack,
        "hosts": data.get("hosts", layout.n_hosts),
        "qdevice": bool(data.get("qdevice")),
        "corosync": corosync_facts(state, layout),
        # Only vmha's VirtualMachine agent kills paused guests.
        "kill_paused_after_s": cib.KILL_PAUSED_AFTER if stack == "vmha" else None,
        "machine": {"nproc": os.cpu_count(), "kernel": os.uname().release,
                    "accel": _accel(layout), "qemu": _qemu_version()},
    }


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def _locked(state_root):
    os.makedirs(results_dir(state_root), exist_ok=True)
    with open(os.path.join(results_dir(state_root), ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def upgrade(run):
    """A run as format 2 has it. Format 1 runs had only the timings their
    scenario measured, and its other values beside them: those go to
    `extra`, and a missing core timing is null and not measured."""
    if "extra" in run:
        return run
    out = {k: run.get(k) for k in _KEPT}
    out["stack"] = run.get("stack") or (run.get("facts") or {}).get("stack", "vmha")
    out["problems"] = run.get("problems") or []
    out["findings"] = run.get("findings") or []
    out["fence_events"] = run.get("fence_events") or []
    out.update((k, run.get(k)) for k in CORE_TIMINGS)
    out["measured"] = [k for k in CORE_TIMINGS if k in run]
    out["phases_s"] = None
    out["extra"] = {k: v for k, v in run.items() if k not in out}
    return out


def load(file):
    """A lab's results file: {"format", "lab", "stack", "facts", "runs":
    [...]}, its runs in format 2 whatever the file's."""
    with open(file) as f:
        data = json.load(f)
    if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
        raise HarnessError(f"{file} is not a vmha-lab results file")
    if data.get("format", 1) > FORMAT:
        raise HarnessError(f"{file} is of results format {data['format']}, newer than this "
                           f"vmha-lab's {FORMAT}: use a newer vmha-lab")
    data["runs"] = [upgrade(r) for r in data["runs"]]
    data["format"] = FORMAT
    return data


def write_atomic(file, text):
    """A reader (or a crash) sees the old file or the new one, never half."""
    tmp = file + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, file)


def record(layout, state, result):
    """Appends one scenario's result, with the time and the lab's facts, to
    the lab's results file; returns the run as recorded."""
    lab_facts = facts(layout, state)
    run = dict(result, recorded_at=now_iso(), facts=lab_facts)
    file = path(layout.state_root, layout.name)
    with _locked(layout.state_root):
        data = (load(file) if os.path.exists(file)
                else {"format": FORMAT, "lab": layout.name, "runs": []})
        data["runs"].append(run)
        data.update(stack=lab_facts["stack"], facts=lab_facts, updated_at=run["recorded_at"])
        write_atomic(file, json.dumps(data, indent=1))
    return run


def lab_files(state_root):
    """{lab name: results file} of every lab with results under state_root."""
    d = results_dir(state_root)
    found = {}
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not name.endswith(".json") or name.endswith(".tmp"):
            continue
        file = os.path.join(d, name)
        try:
            data = load(file)
        except (HarnessError, ValueError):
            continue  # a report, not a lab's results
        found[data.get("lab", name[:-5])] = file
    return found
