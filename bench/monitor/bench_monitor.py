#!/usr/bin/python3
"""CPU and wall time per `monitor` of one running guest:
ocf:vmha:VirtualMachine against resource-agents' ocf:heartbeat:VirtualDomain.

Both agents monitor the same TCG guest on the same private libvirtd,
alternating (vmha, VirtualDomain, vmha, ...) after warm-up calls. The
measuring loop runs in a worker inside the daemon's mount namespace (where
qemu:///system is that daemon) and in a fresh network namespace (so that no
Pacemaker of anyone else's is reachable: "no cluster" is the same for both
agents). The worker starts each call with posix_spawn, nothing in between,
and reaps it with wait4:

- CPU: user+sys of the agent plus every descendant it waited for (all that
  a shell agent runs: virsh, sed, crm_resource, ...);
- wall: from spawn to reap;
- libvirtd CPU: what the daemon's threads spent during the call, the cost
  an agent puts on the host besides its own;
- processes and programs: counted once per agent under strace (not in the
  timed calls), when strace is installed.

When the build has bench/monitor/libvirt_floor (the bench-monitor target
builds it), it joins the rotation as a reference: the least a process that
monitors through the libvirt C API can cost.

Run through bench/monitor/run BUILD_DIR (which sets VMHA_BUILD_DIR,
VMHA_SOURCE_DIR and PYTHONPATH); see bench/monitor/README.md."""

import argparse
import collections
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

try:
    from vmha_lab.peers import disk, proc
    from vmha_lab.peers.domain_xml import domain_xml
    from vmha_lab.peers.guest_image import GuestImage
    from vmha_lab.peers.libvirtd import PrivateLibvirtd
except ImportError as e:
    sys.exit(f"bench_monitor: {e}: PYTHONPATH must hold tools/ (bench/monitor/run sets it)")

VIRTUAL_DOMAIN = "/usr/lib/ocf/resource.d/heartbeat/VirtualDomain"
OCF_ROOT = "/usr/lib/ocf"
RESOURCE = "bench-vm"
GUEST = "bench"
ABSENT = "bench-absent"  # a domain that never exists: the negative check
URI = "qemu:///system"
CALL_TIMEOUT = 60
GOAL = 20
AGENTS = ("vmha", "VirtualDomain")
FLOOR = "floor"
# With vmha-eventd, the agent answers routine monitors from the daemon and
# runs its full libvirt check only every FULL_EVERY s; that check is measured
# too (the hidden full agent called directly) and charged in proportion.
FULL = "vmha-full"
FULL_EVERY = 300  # agents/VirtualMachine/front.cpp's kFullEvery
INTERVAL = 10
TITLES = {"vmha": "ocf:vmha:VirtualMachine", "VirtualDomain": "ocf:heartbeat:VirtualDomain",
          FLOOR: "libvirt C API floor", FULL: "VirtualMachine full check"}
# The utilization parameters each agent knows; "off" sets them all false.
UTILIZATION_PARAMS = {
    "vmha": ("autoset_utilization_cpu", "autoset_utilization_hv_memory"),
    "VirtualDomain": ("autoset_utilization_cpu", "autoset_utilization_host_memory",
                      "autoset_utilization_hv_memory"),
}
UTILIZATION_PARAMS[FULL] = UTILIZATION_PARAMS["vmha"]
MODES = {
    "off": "autoset_utilization_* = false for both agents",
    "default": "autoset_utilization_* left at each agent's default (true), no cluster",
}
BASE_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}


class BenchError(RuntimeError):
    """The benchmark cannot give a meaningful figure; the message says why."""


# --- worker: runs inside the libvirtd's mount namespace ----------------------

class CallTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CallTimeout()


def command(spec, who, mode, absent=False):
    """(argv, env) of one monitor. For the agents, the environment
    Pacemaker's executor gives a recurring monitor (interval 10 s, so not a
    probe), in the same style for both."""
    path = spec["programs"][who]
    if who == FLOOR:
        return [path, URI, ABSENT if absent else GUEST], dict(BASE_ENV)
    env = dict(BASE_ENV, OCF_ROOT=OCF_ROOT, OCF_RA_VERSION_MAJOR="1", OCF_RA_VERSION_MINOR="1",
               OCF_RESOURCE_INSTANCE=ABSENT if absent else RESOURCE,
               OCF_RESOURCE_TYPE=os.path.basename(path),
               OCF_RESKEY_CRM_meta_interval="10000", OCF_RESKEY_CRM_meta_timeout="30000",
               OCF_RESKEY_config=spec["absent_config" if absent else "config"],
               OCF_RESKEY_hypervisor=URI, OCF_CHECK_LEVEL=str(spec["check_level"]))
    if mode == "off":
        for p in UTILIZATION_PARAMS[who]:
            env[f"OCF_RESKEY_{p}"] = "false"
    return [path, "monitor"], env


def process_cpu_ns(pid):
    """CPU time (ns) of every thread of a daemon so far, from schedstat."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between listdir and open
    return total


def spawn(argv, env, err_path, libvirtd_pid=None, eventd_pid=None):
    """Runs argv once; returns a dict with rc, wall_ms, cpu_ms, libvirtd_ms
    and eventd_ms (the daemons' CPU during the call, None if not sampled)."""
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    d0 = process_cpu_ns(libvirtd_pid) if libvirtd_pid else None
    e0 = process_cpu_ns(eventd_pid) if eventd_pid else None
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    signal.alarm(CALL_TIMEOUT)
    try:
        _, status, ru = os.wait4(pid, 0)
    except CallTimeout:
        os.kill(pid, signal.SIGKILL)
        os.wait4(pid, 0)
        raise BenchError(f"{argv} did not finish within {CALL_TIMEOUT}s") from None
    finally:
        signal.alarm(0)
    t1 = time.perf_counter_ns()
    d1 = process_cpu_ns(libvirtd_pid) if libvirtd_pid else None
    e1 = process_cpu_ns(eventd_pid) if eventd_pid else None
    return {"rc": os.waitstatus_to_exitcode(status), "wall_ms": (t1 - t0) / 1e6,
            "cpu_ms": (ru.ru_utime + ru.ru_stime) * 1e3,
            "libvirtd_ms": (d1 - d0) / 1e6 if d0 is not None and d1 is not None else None,
            "eventd_ms": (e1 - e0) / 1e6 if e0 is not None and e1 is not None else None}


def _tail(path, n=1500):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()[-n:]
    except OSError:
        return ""


def monitor_once(spec, who, mode, expect, what, absent=False):
    """One monitor call; raises BenchError unless it exits `expect`."""
    err = os.path.join(spec["scratch"], f"{who}.stderr")
    argv, env = command(spec, who, mode, absent)
    r = spawn(argv, env, err, spec["libvirtd_pid"], spec.get("eventd_pid"))
    if r["rc"] != expect:
        raise BenchError(f"{TITLES[who]} monitor ({what}, utilization {mode}) exited "
                         f"{r['rc']}, expected {expect}; its stderr:\n{_tail(err)}")
    return r


_CALL = re.compile(r"^(\d+)\s+(.*)$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_START = re.compile(r"^(\w+)\((.*)$")
_RESULT = re.compile(r"\)\s+=\s+(-?\d+|\?)")
_EXEC_PATH = re.compile(r'^execve\("([^"]*)"')


def parse_strace(text):
    """(processes forked, threads started, programs run) from `strace -f
    -o FILE -e trace=execve,clone,clone3,fork,vfork` output. The first
    successful execve, the agent's own, is not counted."""
    pending = {}
    calls = []
    for line in text.splitlines():
        m = _CALL.match(line)
        if not m:
            continue
        pid, body = m.groups()
        resumed = _RESUMED.match(body)
        if resumed:
            start = pending.pop(pid, None)
            if start is not None:
                calls.append(start + resumed.group(2))
        elif _START.match(body):
            if body.endswith("<unfinished ...>"):
                pending[pid] = body[:-len("<unfinished ...>")]
            else:
                calls.append(body)
    processes = threads = 0
    programs = []
    for c in calls:
        name = _START.match(c).group(1)
        results = _RESULT.findall(c)
        if results and results[-1].startswith("-"):
            continue  # failed: e.g. a shell trying each PATH entry
        if name == "execve":
            programs.append(os.path.basename(_EXEC_PATH.match(c).group(1)))
        elif "CLONE_THREAD" in c:
            threads += 1
        else:
            processes += 1
    return processes, threads, collections.Counter(programs[1:])


def count_processes(spec, who, mode):
    """What one monitor starts, under strace; None without strace."""
    strace = shutil.which("strace")
    if not strace:
        return None
    out = os.path.join(spec["scratch"], f"{who}.strace")
    err = os.path.join(spec["scratch"], f"{who}.stderr")
    argv, env = command(spec, who, mode)
    r = spawn([strace, "-f", "-qq", "-o", out, "-e", "trace=execve,clone,clone3,fork,vfork",
               *argv], env, err)
    if r["rc"] != 0:
        raise BenchError(f"{TITLES[who]} monitor under strace exited {r['rc']}; its "
                         f"stderr:\n{_tail(err)}")
    with open(out, errors="replace") as f:
        processes, threads, programs = parse_strace(f.read())
    return {"processes": processes, "threads": threads, "programs": dict(programs)}


def run_mode(spec, mode):
    """Checks, warm-up, then rounds of one call each, in a fixed order;
    returns the samples per program."""
    rotation = list(AGENTS) + [x for x in (FULL, FLOOR) if x in spec["programs"]]
    for who in rotation:
        monitor_once(spec, who, mode, 0, "check: the guest runs")
        monitor_once(spec, who, mode, 7, "check: an absent domain is not running", absent=True)
    for _ in range(spec["warmup"]):
        for who in rotation:
            monitor_once(spec, who, mode, 0, "warm-up")
    samples = {who: [] for who in rotation}
    load_before = os.getloadavg()[0]
    for i in range(spec["calls"]):
        for who in rotation:
            samples[who].append(monitor_once(spec, who, mode, 0, f"measured call {i + 1}"))
        if (i + 1) % 10 == 0 or i + 1 == spec["calls"]:
            print(f"  utilization {mode}: {i + 1}/{spec['calls']} rounds", file=sys.stderr,
                  flush=True)
    load_after = os.getloadavg()[0]
    forks = {who: count_processes(spec, who, mode) for who in AGENTS}
    return {"samples": samples, "forks": forks, "load": [load_before, load_after],
            "eventd_idle_ms_per_s": eventd_idle(spec)}


def eventd_idle(spec, seconds=5):
    """vmha-eventd's own CPU per second with no monitor running: its cost
    for events, keepalive and heartbeats, which no monitor causes."""
    pid = spec.get("eventd_pid")
    if not pid:
        return None
    c0, t0 = process_cpu_ns(pid), time.monotonic()
    time.sleep(seconds)  # a measuring window, not a wait for a condition
    c1, t1 = process_cpu_ns(pid), time.monotonic()
    if c0 is None or c1 is None:
        return None
    return (c1 - c0) / 1e6 / (t1 - t0)


def worker(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    signal.signal(signal.SIGALRM, _on_alarm)
    # A node's /run has it (tmpfiles.d); the namespace's /run starts empty.
    os.makedirs("/run/resource-agents", exist_ok=True)
    try:
        result = {mode: run_mode(spec, mode) for mode in spec["modes"]}
    except BenchError as e:
        print(f"bench_monitor: {e}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130  # the driver has the same ^C and cleans up
    json.dump(result, sys.stdout)
    return 0


# --- driver: starts the peers, runs the worker, prints the figures ----------

def p95(values):
    s = sorted(values)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def summary(values):
    return {"mean": statistics.fmean(values), "median": statistics.median(values),
            "p95": p95(values)}


def _programs_text(programs):
    if not programs:
        return "none"
    return ", ".join(f"{name} x{n}" for name, n in
                     sorted(programs.items(), key=lambda kv: (-kv[1], kv[0])))


def mode_stats(r):
    stats = {}
    for who, s in r["samples"].items():
        lv = [x["libvirtd_ms"] for x in s if x["libvirtd_ms"] is not None]
        ev = [x["eventd_ms"] for x in s if x.get("eventd_ms") is not None]
        stats[who] = {"wall": summary([x["wall_ms"] for x in s]),
                      "cpu": summary([x["cpu_ms"] for x in s]),
                      "libvirtd_mean": statistics.fmean(lv) if lv else float("nan"),
                      "eventd_mean": statistics.fmean(ev) if ev else None}
    a, b = stats["vmha"], stats["VirtualDomain"]
    ratios = {"cpu_mean": b["cpu"]["mean"] / a["cpu"]["mean"],
              "cpu_median": b["cpu"]["median"] / a["cpu"]["median"],
              "wall_mean": b["wall"]["mean"] / a["wall"]["mean"],
              "wall_median": b["wall"]["median"] / a["wall"]["median"],
              "cpu_with_libvirtd_mean": (b["cpu"]["mean"] + b["libvirtd_mean"]) /
                                        (a["cpu"]["mean"] + a["libvirtd_mean"])}
    if FULL in stats:
        # Per monitor at INTERVAL with one full check every FULL_EVERY: what
        # a node really pays, the daemon's CPU during the calls included.
        n = FULL_EVERY // INTERVAL
        fast = a["cpu"]["mean"] + (a["eventd_mean"] or 0.0)
        full = stats[FULL]["cpu"]["mean"]
        ratios["amortised_ms"] = ((n - 1) * fast + full) / n
        ratios["cpu_amortised"] = b["cpu"]["mean"] / ratios["amortised_ms"]
    return stats, ratios


def report(results, args, versions):
    lines = [f"bench/monitor: {args.calls} monitor calls per agent, alternating, after "
             f"{args.warmup} warm-up calls each; one running TCG guest on a private libvirtd "
             f"({versions}); OCF_CHECK_LEVEL={args.check_level}; no cluster reachable.",
             "CPU = user+sys of the agent and all its children (wait4 rusage); "
             "libvirtd = CPU of the daemon's threads during the call.", ""]
    figures = {}
    for mode, r in results.items():
        stats, ratios = mode_stats(r)
        lines.append(f"== utilization {mode}: {MODES[mode]}; load average "
                     f"{r['load'][0]:.2f} -> {r['load'][1]:.2f} on {os.cpu_count()} CPUs")
        daemon = r.get("eventd_idle_ms_per_s") is not None
        lines.append(f"{'':<30}{'wall ms':^28}{'CPU ms':^28}{'libvirtd':>10}"
                     + (f"{'eventd':>10}" if daemon else ""))
        lines.append(f"{'':<30}{'mean':>9}{'median':>9}{'p95':>10}{'mean':>9}{'median':>9}"
                     f"{'p95':>10}{'CPU ms':>10}" + (f"{'CPU ms':>10}" if daemon else ""))
        for who, st in stats.items():
            w, c = st["wall"], st["cpu"]
            ev = f"{st['eventd_mean']:>10.2f}" if daemon and st["eventd_mean"] is not None else ""
            lines.append(f"{TITLES[who]:<30}{w['mean']:>9.2f}{w['median']:>9.2f}{w['p95']:>10.2f}"
                         f"{c['mean']:>9.2f}{c['median']:>9.2f}{c['p95']:>10.2f}"
                         f"{st['libvirtd_mean']:>10.2f}{ev}")
        lines.append(f"VirtualDomain / vmha: CPU x{ratios['cpu_mean']:.1f} (medians "
                     f"x{ratios['cpu_median']:.1f}), wall x{ratios['wall_mean']:.1f} (medians "
                     f"x{ratios['wall_median']:.1f}); agent+libvirtd CPU "
                     f"x{ratios['cpu_with_libvirtd_mean']:.1f}")
        judged = ratios["cpu_mean"]
        if "cpu_amortised" in ratios:
            judged = ratios["cpu_amortised"]
            lines.append(f"with vmha-eventd: a monitor every {INTERVAL} s and a full check every "
                         f"{FULL_EVERY} s cost vmha {ratios['amortised_ms']:.2f} ms CPU per monitor "
                         f"on average (agent + daemon during the call, full check included): "
                         f"VirtualDomain / vmha x{judged:.1f}")
            lines.append(f"vmha-eventd's own CPU with no monitor running: "
                         f"{r['eventd_idle_ms_per_s']:.2f} ms per second (events, keepalive; "
                         f"not caused by monitors, so not charged to them)")
        lines.append(f"goal, at least {GOAL} times less CPU per monitor: "
                     f"{'met' if judged >= GOAL else 'NOT met'} (x{judged:.1f})")
        if FLOOR in stats:
            floor = stats[FLOOR]["cpu"]["mean"]
            lines.append(f"libvirt C API floor: a process that links libvirt.so and reads one "
                         f"state costs {floor:.2f} ms CPU, so an agent that does so per monitor "
                         f"reaches at most x{stats['VirtualDomain']['cpu']['mean'] / floor:.1f} "
                         f"against this VirtualDomain")
        for who in AGENTS:
            f = r["forks"][who]
            if f is None:
                lines.append(f"{TITLES[who]}: processes not counted (strace is not installed)")
            else:
                lines.append(f"{TITLES[who]}: {f['processes']} processes forked, "
                             f"{f['threads']} threads started per monitor; programs run: "
                             f"{_programs_text(f['programs'])}")
        lines.append("")
        figures[mode] = {"stats": stats, "ratios": ratios, "forks": r["forks"],
                         "load": r["load"]}
    return "\n".join(lines), figures


def start_guest(lv, image):
    """Starts the guest transient with virsh (neither agent is measured at
    start) and waits until it has written for 2 s, past its boot. Returns
    the config path and that of a domain that is never started."""
    img = os.path.join(lv.workdir, f"{GUEST}.img")
    disk.make_disk(img)
    config = os.path.join(lv.workdir, f"{GUEST}.xml")
    with open(config, "w") as f:
        f.write(domain_xml(GUEST, image, disk_path=img))
    absent = os.path.join(lv.workdir, f"{ABSENT}.xml")
    with open(absent, "w") as f:
        f.write(domain_xml(ABSENT, image, disk_path=img))
    lv.virsh("create", config)
    proc.wait_until(lambda: (disk.latest_counter(img) or 0) >= 20, 60, interval=0.2,
                    what=f"guest {GUEST} to boot and write 2 s of records")
    return config, absent


def start_eventd(lv, config, scratch):
    """vmha-eventd in the daemon's namespace (isolation off: there is no
    cluster here, and a node without quorum would pause its guests), and one
    start of the running guest through the agent, which records it as this
    node's; returns the daemon's Popen."""
    build = os.environ["VMHA_BUILD_DIR"]
    log = open(os.path.join(scratch, "eventd.log"), "wb")
    daemon = subprocess.Popen(lv.ns_cmd([os.path.join(build, "tools", "vmha-eventd", "vmha-eventd"),
                                         f"--uri={URI}", "--isolation=none", "--node=bench",
                                         f"--journal={scratch}/journal.db"]),
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    socket = os.path.join(lv.workdir, "run", "vmha", "eventd.sock")
    proc.wait_until(lambda: os.path.exists(socket) or daemon.poll() is not None, 20,
                    what="vmha-eventd's socket")
    if daemon.poll() is not None:
        raise BenchError(f"vmha-eventd exited: {_tail(os.path.join(scratch, 'eventd.log'))}")
    agent = os.path.join(build, "ocf", "resource.d", "vmha", "VirtualMachine")
    env = dict(BASE_ENV, OCF_ROOT=OCF_ROOT, OCF_RESOURCE_INSTANCE=RESOURCE,
               OCF_RESKEY_config=config, OCF_RESKEY_hypervisor=URI)
    lv.run(["unshare", "--net", "--", agent, "start"], env=env)
    return daemon


def versions_text(virsh_version):
    """'libvirt 9.0.0, QEMU 7.2.x' from `virsh version`."""
    found = dict(line.split(":", 1) for line in virsh_version.splitlines() if ":" in line)
    return ", ".join(found[k].strip() for k in ("Using library", "Running hypervisor")
                     if k in found) or "libvirt"


def measure(args, modes, programs):
    """Starts the private libvirtd and the guest, runs the worker in the
    daemon's namespace; leaving removes the guest and the daemon, also on
    failure or SIGTERM."""
    image = GuestImage.get()
    with PrivateLibvirtd("bench-monitor", listen_addr=args.listen_addr) as lv:
        config, absent = start_guest(lv, image)
        versions = versions_text(lv.virsh("version"))
        scratch = tempfile.mkdtemp(prefix="bench-", dir=lv.workdir)
        eventd = start_eventd(lv, config, scratch) if args.eventd else None
        if eventd:
            full = os.path.join(os.path.dirname(programs["vmha"]), ".VirtualMachine-libvirt")
            if not os.access(full, os.X_OK):
                raise BenchError(f"{full} is not an executable: build the agent")
            programs = dict(programs, **{FULL: full})
        spec = {"programs": programs, "eventd_pid": eventd.pid if eventd else None,
                "config": config, "absent_config": absent,
                "libvirtd_pid": lv.pid, "calls": args.calls, "warmup": args.warmup,
                "check_level": args.check_level, "modes": modes, "scratch": scratch}
        spec_path = os.path.join(scratch, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec, f)
        # A fresh network namespace: no one's Pacemaker (abstract sockets)
        # is reachable, so neither agent can touch a CIB.
        cmd = lv.ns_cmd(["unshare", "--net", "--", "/usr/bin/python3", os.path.abspath(__file__),
                         "--worker", spec_path])
        budget = 300 + len(modes) * (args.calls + args.warmup + 4) * 3 * 10
        try:
            cp = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                timeout=budget)
        except subprocess.TimeoutExpired:
            raise BenchError(f"the measuring worker did not finish within {budget}s") from None
        finally:
            if eventd:
                proc.stop_pid(eventd.pid)
                eventd.wait()
        if cp.returncode != 0:
            raise BenchError(f"the measuring worker failed (exit {cp.returncode}); see above")
        state = lv.virsh("domstate", GUEST)
        if state != "running":
            raise BenchError(f"guest {GUEST} is {state!r} after the run: figures discarded")
        lv.virsh("destroy", GUEST)
    return json.loads(cp.stdout), versions


def drive(args):
    for var in ("VMHA_BUILD_DIR", "VMHA_SOURCE_DIR"):
        if not os.environ.get(var):
            raise BenchError(f"{var} is not set: run bench/monitor/run BUILD_DIR")
    build = os.environ["VMHA_BUILD_DIR"]
    programs = {"vmha": os.path.join(build, "ocf", "resource.d", "vmha", "VirtualMachine"),
                "VirtualDomain": VIRTUAL_DOMAIN}
    for who, fix in (("vmha", f"build it: cmake --build {build}"),
                     ("VirtualDomain", "install resource-agents (tools/install-deps)")):
        if not os.access(programs[who], os.X_OK):
            raise BenchError(f"{programs[who]} is not an executable: {fix}")
    floor = os.path.join(build, "bench", "monitor", "libvirt_floor")
    if os.access(floor, os.X_OK):
        programs[FLOOR] = floor
    else:
        print(f"bench_monitor: no {floor} (cmake --build {build} --target libvirt_floor): "
              "measuring without the libvirt floor", file=sys.stderr)
    modes = ["off", "default"] if args.utilization == "both" else [args.utilization]
    try:
        return measure(args, modes, programs)
    except proc.HarnessError as e:
        raise BenchError(str(e)) from None


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=50, help="measured monitor calls per agent")
    p.add_argument("--warmup", type=int, default=3, help="warm-up calls per agent and run")
    p.add_argument("--utilization", choices=("off", "default", "both"), default="both",
                   help="off: autoset_utilization_* false for both agents; default: the "
                        "agents' defaults; both: one run of each (the default)")
    p.add_argument("--check-level", type=int, default=0, choices=(0, 10, 20),
                   help="OCF_CHECK_LEVEL (VirtualDomain ignores it)")
    p.add_argument("--listen-addr", default="127.0.0.90", help="the private libvirtd's address")
    p.add_argument("--json", metavar="FILE", help="also write every sample and figure here")
    p.add_argument("--eventd", action="store_true",
                   help="run vmha-eventd beside the guest, as a vmha node does, so that the "
                        "agent's routine monitors are answered from its event stream")
    p.add_argument("--worker", metavar="SPEC", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.calls < 1 or args.warmup < 0:
        p.error("--calls must be at least 1 and --warmup at least 0")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker(args.worker)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_exit)
    try:
        results, versions = drive(args)
    except BenchError as e:
        print(f"bench_monitor: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_monitor: interrupted; the guest and libvirtd are gone", file=sys.stderr)
        return 130
    text, figures = report(results, args, versions)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "versions": versions, "figures": figures,
                       "samples": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
