"""`vmha-lab status`: hosts (power as their BMC answers, PID 1), the
cluster as a host's crm_mon sees it, and where each guest runs according
to Pacemaker, to libvirt and to its own disk."""

import json

from . import guests as G
from . import hosts, observe, power


def collect(layout, state):
    data = state.load()
    names = data.get("guests", [])
    out = {"lab": layout.name, "dir": layout.dir, "stack": data.get("stack", "vmha"),
           "timings": data.get("timings", {}),
           "hosts": {}, "cluster": None, "guests": {}}
    for h in layout.hosts:
        rec = hosts.record(state, h)
        out["hosts"][h.name] = {"bmc": power.bmc_power(layout, h),
                                "init_pid": rec["pid"] if hosts.is_on(state, h) else None,
                                "cluster_addr": h.cluster_addr, "bmc_addr": h.bmc_addr}
    spec = hosts.first_on(state, layout)
    view = observe.cluster_view(state, layout, spec) if spec else None
    if view:
        out["cluster"] = dict(view, seen_from=spec.name, online=sorted(view["online"]))
    placement = observe.guest_placement(state, layout, names)
    for g in names:
        recs = G.records(layout, g)
        last = recs[-1] if recs else None
        out["guests"][g] = {"pacemaker": (view or {}).get("started", {}).get(g, []),
                            "libvirt": placement[g],
                            "last_record": last.counter if last else None,
                            "boot_id": last.boot_id if last else None}
    return out


def crm_mon_text(layout, state):
    spec = hosts.first_on(state, layout)
    if spec is None:
        return "no host is powered on"
    cp = hosts.run_in(state, spec, ["crm_mon", "-1", "-r"], timeout=30, check=False)
    return f"crm_mon on {spec.name}:\n{cp.stdout}{cp.stderr}"


def show(layout, state, as_json=False):
    s = collect(layout, state)
    if as_json:
        print(json.dumps(s, indent=1, sort_keys=True))
        return
    print(f"lab {s['lab']} ({s['dir']}), stack {s['stack']}")
    for name, h in s["hosts"].items():
        pid = h["init_pid"] or "-"
        print(f"  host {name}: BMC {h['bmc']} ({h['bmc_addr']}), PID 1 {pid}, "
              f"cluster address {h['cluster_addr']}")
    c = s["cluster"]
    if c:
        print(f"  cluster (seen from {c['seen_from']}): DC {c['dc']}, "
              f"{'quorate' if c['quorate'] else 'NOT quorate'}, online {' '.join(c['online'])}")
    else:
        print("  cluster: no host answers")
    for g, v in s["guests"].items():
        print(f"  guest {g}: Pacemaker {','.join(v['pacemaker']) or '-'}, "
              f"libvirt {','.join(v['libvirt']) or '-'}, last record {v['last_record']} "
              f"(boot {(v['boot_id'] or '-')[:8]})")
    if s["timings"]:
        print("  up timings (s): " + ", ".join(f"{k} {v}" for k, v in s["timings"].items()))
    print()
    print(crm_mon_text(layout, state))
