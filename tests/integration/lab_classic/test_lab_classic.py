# ctest-labels: slow lab classic
# ctest-timeout: 600
"""`vmha-lab up --stack classic`: the same lab with the tools users run
today. Checked from outside: resource-agents' VirtualDomain runs the
guests, fence_ipmilan (level 1) and fence_sbd (level 2) fence, the real
sbd watches the poison-pill disk in every host, and nothing of vmha runs.
qemu-crash and power-cut keep the guarantees both stacks must give: the
guest runs exactly once where Pacemaker says, no split-brain writes, the
lost host fenced before its guest starts elsewhere. With a host's BMC hung,
fencing falls to the pill, and the host's own sbd honours it: the host
dies. `down` leaves nothing."""

import json
import os
import signal
import sys
import time

from vmha_harness.lab_case import LabCase
from vmha_lab import guests, hosts, network, pill, power, status
from vmha_lab.down import leftovers
from vmha_lab.evidence import bmc_events, verify_records
from vmha_lab.peers import proc
from vmha_lab.peers.cluster_host import pids_in_pidns
from vmha_lab.peers.sbdtool import sbd_list
from vmha_lab.state import is_same_process

UP_TIMEOUT = 240
RUN_TIMEOUT = 240
# Level 1 has to fail first (stonith-timeout 30 s), then msgwait (10 s).
PILL_FENCE_TIMEOUT = 120
VMHA_PROGRAMS = ("vmha-eventd", "fence_vmha_ipmi", "fence_vmha_disk", "VirtualMachine")


def log(msg):
    print(f"[lab_classic] {msg}", file=sys.stderr, flush=True)


class ClassicLab(LabCase):
    NAME_PREFIX = "c"

    def resources(self):
        """{id: (agent, [nodes it is started on])} from a host's crm_mon."""
        mon = hosts.crm_mon(self.state, self.layout.hosts[0])
        self.assertIsNotNone(mon, "crm_mon answers on h1")
        return {r.get("id"): (r.get("resource_agent"),
                              [n.get("name") for n in r.findall("node")]
                              if r.get("role") == "Started" else [])
                for r in mon.iter("resource")}

    def host_programs(self, spec):
        """The command names of every process in the host's PID namespace."""
        names = set()
        for pid in pids_in_pidns(hosts.record(self.state, spec)["pidns"]):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    names.update(os.path.basename(a) for a in f.read().decode().split("\0")[:3])
            except OSError:
                pass
        return names

    def assert_placement(self):
        """Each guest runs exactly once, where Pacemaker says."""
        s = json.loads(self.lab("status", "--json")[0].stdout)
        self.assertEqual(s["stack"], "classic")
        for g, v in s["guests"].items():
            self.assertEqual(len(v["libvirt"]), 1, f"{g} runs exactly once: {v}")
            self.assertEqual(v["pacemaker"], v["libvirt"], f"{g} runs where Pacemaker says")
        return s

    def assert_classic_peers(self):
        self.assertEqual(self.state.load()["stack"], "classic")
        names = [h.name for h in self.layout.hosts]
        res = self.resources()
        for h in names:
            self.assertEqual(res[f"fence-{h}"][0], "stonith:fence_ipmilan")
            self.assertEqual(len(res[f"fence-{h}"][1]), 1, f"fence-{h} started")
        self.assertEqual(res["fence-sbd"][0], "stonith:fence_sbd")
        self.assertEqual(len(res["fence-sbd"][1]), 1, "fence-sbd started")
        for g in ("g1", "g2"):
            self.assertEqual(res[g][0], "ocf:heartbeat:VirtualDomain")
            self.assertEqual(len(res[g][1]), 1, f"{g} started once")
        self.assertEqual(sorted(res), sorted([f"fence-{h}" for h in names] +
                                             ["fence-sbd", "g1", "g2"]),
                         "no other resource (no eventd)")
        levels = hosts.run_in(self.state, self.layout.hosts[0],
                              ["cibadmin", "-Q", "-o", "fencing-topology"]).stdout
        for h in names:
            self.assertIn(f'index="1" devices="fence-{h}" target="{h}"', levels)
            self.assertIn(f'index="2" devices="fence-sbd" target="{h}"', levels)
        for h in self.layout.hosts:
            self.assertTrue(pill.watching(self.state, h), f"sbd watches the pill in {h.name}")
            running = self.host_programs(h)
            self.assertIn("pacemakerd", running, f"{h.name}'s processes are seen")
            self.assertEqual([p for p in VMHA_PROGRAMS if p in running], [],
                             f"nothing of vmha runs in {h.name}")

    def check_pill_fencing(self):
        """g1's host loses its cluster link while its BMC is hung
        (SIGSTOP): fence_ipmilan cannot succeed, so the survivors write the
        pill, and the host's own sbd kills it; then g1 runs on a survivor."""
        placement = self.assert_placement()["guests"]["g1"]["libvirt"]
        victim = self.layout.host(placement[0])
        data = self.state.load()
        bmc = data["procs"][f"bmc-{victim.name}"]
        pill_dev = data["loops"][0]
        self.assertTrue(is_same_process(bmc), f"{victim.name}'s BMC runs")
        wall0 = time.time()
        last = guests.records(self.layout, "g1")[-1]
        os.kill(bmc["pid"], signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            network.set_host_link(self.layout, victim, "cluster", False)
            self.wait(f"{victim.name} killed by its own sbd", lambda: not hosts.is_on(
                self.state, victim), PILL_FENCE_TIMEOUT)
            log(f"pill: {victim.name} gone {time.monotonic() - t0:.1f} s after its cable")
            message, sender = sbd_list(pill_dev)[victim.name]
            self.assertEqual(message, "reset", f"{victim.name}'s slot holds the pill")
            self.assertNotEqual(sender, victim.name)
            self.assertEqual(bmc_events(self.layout, wall0), [], "no BMC power action")
        finally:
            os.kill(bmc["pid"], signal.SIGCONT)
            network.set_host_link(self.layout, victim, "cluster", True)
        # One fresh answer from the BMC: requests it queued while stopped are
        # handled before the host is powered on again.
        self.assertIn(power.bmc_power(self.layout, victim), ("on", "off"))

        def g1_on_survivor(online):
            s = status.collect(self.layout, self.state)
            g1 = s["guests"]["g1"]
            return (len((s["cluster"] or {}).get("online", [])) == online
                    and len(g1["libvirt"]) == 1 and victim.name not in g1["libvirt"]
                    and g1["pacemaker"] == g1["libvirt"])
        # Fencing ends msgwait after the pill; a real host is not back that
        # soon, and a host that rejoins before its fencing ends is told it was
        # fenced and stops its cluster stack. Power on only after that.
        self.wait("g1 on a survivor", lambda: g1_on_survivor(2), PILL_FENCE_TIMEOUT)
        log(f"pill: g1 on a survivor {time.monotonic() - t0:.1f} s after the cable")
        hosts.power_on(self.state, victim)
        self.wait("every host back online", lambda: g1_on_survivor(3), 90)
        self.wait("g1's new boot to write", lambda: any(
            r.boot_id != last.boot_id and r.counter > last.counter
            for r in guests.records(self.layout, "g1")), 60)
        self.assertEqual(verify_records(self.layout, "g1", last.boot_id, last.counter), [],
                         "no split-brain writes")

    def test_classic_stack(self):
        cp, _ = self.lab("up", "--stack", "classic", "--build-dir", proc.build_dir(),
                         timeout=UP_TIMEOUT)
        log(cp.stderr.strip().splitlines()[-1])
        self.assert_classic_peers()
        self.assert_placement()

        cp, took = self.lab("run", "qemu-crash", "power-cut", "--json", check=False,
                            timeout=RUN_TIMEOUT)
        log(f"run qemu-crash power-cut --json: {took:.1f} s")
        results = self.results()
        # --json: stdout holds the results alone, one line each, as recorded;
        # the progress and the verdicts go to stderr.
        printed = [json.loads(line) for line in cp.stdout.splitlines()]
        self.assertEqual([r["scenario"] for r in printed], ["qemu-crash", "power-cut"],
                         cp.stdout + cp.stderr[-4000:])
        self.assertEqual(printed, [results["qemu-crash"], results["power-cut"]])
        for name in ("qemu-crash", "power-cut"):
            r = results[name]
            log(f"{name}: {json.dumps(r)}")
            self.assertEqual(r["stack"], "classic")
            self.assertEqual(r["problems"], [], name)
            self.assertIsInstance(r["guest_running_s"], (int, float))
            self.assertIsInstance(r["first_write_s"], (int, float))
            self.assertRegex(cp.stderr, rf"(?m)^{name}: ok; detected ")
        self.assertEqual(cp.returncode, 0, cp.stderr[-4000:])
        # Found by the monitor, not an event: said as a finding.
        self.assertEqual(len(results["qemu-crash"]["findings"]), 1)
        cut = results["power-cut"]
        self.assertIsInstance(cut["fenced_s"], (int, float), "the BMC fenced the lost host")
        self.assertLess(cut["fenced_s"], cut["guest_running_s"], "fencing before the restart")
        self.assert_classic_peers()
        self.assert_placement()

        self.check_pill_fencing()
        self.assert_placement()

        _, took = self.lab("down")
        log(f"down: {took:.1f} s")
        self.assertEqual(leftovers(self.layout), [])
        self.assertFalse(os.path.exists(self.layout.dir))
