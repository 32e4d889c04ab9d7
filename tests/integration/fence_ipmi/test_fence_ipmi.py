# ctest-labels: fence
# ctest-timeout: 300
"""fence_vmha_ipmi against a real OpenIPMI ipmi_sim: every action, both IPMI
versions, the fence-agents argument forms, stonith_admin, and each error
case with its exit code and one clear message. Also checks the password
never shows in the agent's argv, environment or output."""

import os
import signal
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

from vmha_harness.checks import path_state, run_with_agents
from vmha_lab.peers.bmc import Bmc
from vmha_lab.peers.proc import build_dir, run, wait_until

AGENT = os.path.join(build_dir(), "stonith", "fence_vmha_ipmi", "fence_vmha_ipmi")
RNG = "/usr/share/cluster/relaxng/metadata.rng"
PASSWORD = "s3cret-pw"


def stdin_of(**opts):
    return "".join(f"{k}={v}\n" for k, v in opts.items())


class FenceIpmi(unittest.TestCase):
    def setUp(self):
        self.bmc = Bmc(password=PASSWORD)
        self.addCleanup(self.bmc.close)

    def agent(self, timeout=60, **opts):
        """Runs the agent with key=value lines on stdin (as Pacemaker does)."""
        base = {"ip": self.bmc.addr, "username": "admin", "password": PASSWORD}
        base.update(opts)
        cp = run([AGENT], input=stdin_of(**base), timeout=timeout, check=False)
        self.assertNotIn(PASSWORD, cp.stdout + cp.stderr, "the password was echoed")
        return cp

    def assertFailsWith(self, cp, code, words):
        self.assertEqual(cp.returncode, code, cp.stderr)
        errors = [line for line in cp.stderr.splitlines() if "ERROR" in line]
        self.assertEqual(len(errors), 1, cp.stderr)
        self.assertIn(words, errors[0])

    def test_status_on_off_and_exit_codes(self):
        cp = self.agent(action="status")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"))
        cp = self.agent(action="off")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered OFF\n"))
        self.assertEqual(self.bmc.power, "off")
        cp = self.agent(action="status")
        self.assertEqual((cp.returncode, cp.stdout), (2, "Status: OFF\n"))
        cp = self.agent(action="off")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Already OFF\n"))
        cp = self.agent(action="on")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered ON\n"))
        self.assertEqual(self.bmc.events(), ["off", "on"])

    def test_reboot_onoff_goes_off_then_on(self):
        cp = self.agent(action="reboot")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Rebooted\n"), cp.stderr)
        self.assertEqual(self.bmc.events(), ["off", "on"])
        self.assertEqual(self.bmc.power, "on")

    def test_reboot_of_an_off_host_only_powers_it_on(self):
        self.bmc.set_power(False)
        cp = self.agent(action="reboot")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(self.bmc.events(), ["on"])

    def test_reboot_cycle_is_one_power_cycle_request(self):
        cp = self.agent(action="reboot", method="cycle")
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Rebooted\n"), cp.stderr)
        # ipmi_sim turns a cycle into power 0, then power 1 a second later.
        wait_until(lambda: self.bmc.events() == ["off", "on"], 10, what="the cycle to finish")

    def other_bmc(self, **kwargs):
        bmc = Bmc(password=PASSWORD, **kwargs)
        self.addCleanup(bmc.close)
        return bmc

    def test_reboot_whose_power_on_fails_succeeds_and_says_so(self):
        bmc = self.other_bmc(ignores="on")
        cp = self.agent(ip=bmc.addr, action="reboot", power_timeout="1")
        # The host is off, so it is fenced; the failed power-on is reported.
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Rebooted\n"), cp.stderr)
        self.assertEqual((bmc.events(), bmc.power), (["off", "on"], "off"))
        errors = [line for line in cp.stderr.splitlines() if "ERROR" in line]
        self.assertEqual(len(errors), 1, cp.stderr)
        self.assertIn("the target is off but did not power on again: "
                      "Timed out waiting to power ON", errors[0])

    def test_unconfirmed_off_is_7_and_unconfirmed_on_is_6(self):
        deaf_off = self.other_bmc(ignores="off")
        self.assertFailsWith(self.agent(ip=deaf_off.addr, action="off", power_timeout="1"), 7,
                             "Timed out waiting to power OFF")
        self.assertFailsWith(self.agent(ip=deaf_off.addr, action="reboot", power_timeout="1"), 7,
                             "Timed out waiting to power OFF")
        self.assertEqual((deaf_off.events(), deaf_off.power), (["off", "off"], "on"))
        deaf_on = self.other_bmc(ignores="on", power_on=False)
        self.assertFailsWith(self.agent(ip=deaf_on.addr, action="on", power_timeout="1"), 6,
                             "Timed out waiting to power ON")

    def test_hexadecimal_kg_is_the_bmc_key(self):
        kg = "vmha-Kg-2026"
        bmc = self.other_bmc(kg=kg)
        cp = self.agent(ip=bmc.addr, action="status", hexadecimal_kg=kg.encode().hex())
        self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"), cp.stderr)
        # The key's 20 bytes written out in full are the same key.
        full = (kg.encode() + bytes(20 - len(kg))).hex()
        cp = self.agent(ip=bmc.addr, action="off", hexadecimal_kg=full)
        self.assertEqual((cp.returncode, bmc.power), (0, "off"), cp.stderr)
        self.assertFailsWith(self.agent(ip=bmc.addr, action="status",
                                        hexadecimal_kg=b"vmha-Kg-2025".hex()), 3, "K_g")
        self.assertFailsWith(self.agent(ip=bmc.addr, action="status"), 3, "K_g")

    def test_privlvl_operator(self):
        bmc = self.other_bmc(users=[("oper", "oper-pw", "operator")])
        oper = {"ip": bmc.addr, "username": "oper", "password": "oper-pw"}
        # privlvl reaches the BMC: at user level it refuses chassis control.
        self.assertFailsWith(self.agent(action="off", privlvl="user", **oper), 3, "privilege")
        self.assertEqual(bmc.events(), [])
        cp = self.agent(action="off", privlvl="operator", **oper)
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered OFF\n"), cp.stderr)
        cp = self.agent(action="on", privlvl="operator", lanplus="0", **oper)
        self.assertEqual((cp.returncode, cp.stdout), (0, "Success: Powered ON\n"), cp.stderr)
        self.assertEqual(bmc.events(), ["off", "on"])
        # IPMI 1.5 asks for the default administrator level, beyond this user.
        self.assertFailsWith(self.agent(action="status", lanplus="0", **oper), 3, "privilege")

    def test_monitor_list_and_list_status(self):
        for action in ("monitor", "list", "list-status"):
            cp = self.agent(action=action)
            self.assertEqual((cp.returncode, cp.stdout), (0, ""), f"{action}: {cp.stderr}")
        self.assertEqual(self.bmc.events(), [])

    def test_ipmi_1_5_when_lanplus_is_off(self):
        for auth in ("md5", "password", "none"):
            cp = self.agent(action="status", lanplus="0", auth=auth)
            self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"), f"{auth}: {cp.stderr}")
        cp = self.agent(action="off", lanplus="false")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        self.assertEqual(self.bmc.power, "off")

    def test_fence_ipmilan_names_and_command_line_form(self):
        cp = run([AGENT], input=f"# Pacemaker style\nipaddr={self.bmc.addr}\nlogin=admin\n"
                 f"passwd={PASSWORD}\naction=status\nnodename=n1\nlanplus=on\n", check=False)
        self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"), cp.stderr)
        script = os.path.join(self.bmc.dir, "pw")
        fd = os.open(script, os.O_WRONLY | os.O_CREAT, 0o700)
        with os.fdopen(fd, "w") as f:
            f.write(f"#!/bin/sh\necho '{PASSWORD}'\n")
        cp = run([AGENT, "-a", self.bmc.addr, "-l", "admin", f"--password-script={script}",
                  "-P", "--cipher=3", "-o", "status"], check=False)
        self.assertEqual((cp.returncode, cp.stdout), (0, "Status: ON\n"), cp.stderr)

    def test_a_fence_ipmilan_option_set_works_unchanged(self):
        """The same stdin to both agents, ipmitool-only options included;
        lanplus and cipher are set, as the metadata says they must be to
        keep fence_ipmilan's behaviour."""
        opts = stdin_of(action="status", ip=self.bmc.addr, username="admin", password=PASSWORD,
                        lanplus="1", cipher="3", privlvl="administrator", method="onoff",
                        power_wait="2", power_timeout="20", ipmitool_path="/usr/bin/ipmitool",
                        retry_on="1")
        theirs = run(["/usr/sbin/fence_ipmilan"], input=opts, timeout=60, check=False)
        ours = run([AGENT], input=opts, timeout=60, check=False)
        self.assertEqual((theirs.returncode, theirs.stdout), (0, "Status: ON\n"), theirs.stderr)
        self.assertEqual((ours.returncode, ours.stdout), (0, "Status: ON\n"), ours.stderr)
        warnings = [line for line in ours.stderr.splitlines() if "WARNING" in line]
        self.assertEqual(len(warnings), 2, ours.stderr)
        self.assertIn("ipmitool_path", warnings[0])
        self.assertIn("retry_on", warnings[1])

    def test_metadata_validates_and_validate_all(self):
        cp = run([AGENT, "-o", "metadata"])
        root = ET.fromstring(cp.stdout)
        self.assertEqual(root.get("name"), "fence_vmha_ipmi")
        path = os.path.join(self.bmc.dir, "meta.xml")
        with open(path, "w") as f:
            f.write(cp.stdout)
        run(["xmllint", "--noout", "--relaxng", RNG, path])
        self.assertEqual(self.agent(action="validate-all").returncode, 0)
        cp = run([AGENT], input="action=validate-all\npassword=x\n", check=False)
        self.assertFailsWith(cp, 2, "ip is not set")
        cp = self.agent(action="validate-all", cipher="4", privlvl="god")
        self.assertFailsWith(cp, 2, "privlvl 'god'")
        self.assertIn("cipher '4'", cp.stderr)

    def test_delay_applies_to_off_and_reboot_only(self):
        start = time.monotonic()
        self.assertEqual(self.agent(action="status", delay="2").returncode, 0)
        self.assertLess(time.monotonic() - start, 2.0, "a delay applied would take 2 s at least")
        start = time.monotonic()
        self.assertEqual(self.agent(action="off", delay="1").returncode, 0)
        self.assertGreaterEqual(time.monotonic() - start, 1.0)

    def test_wrong_password_is_login_denied(self):
        cp = self.agent(action="status", password="wrong")
        self.assertFailsWith(cp, 3, "wrong password")
        self.assertEqual(self.bmc.events(), [])

    def test_wrong_cipher(self):
        # ipmi_sim refuses suite 17 during the RAKP exchange ...
        self.assertFailsWith(self.agent(action="status", cipher="17"), 3, "cipher")
        # ... and never answers suite 7: the bound is login_timeout.
        start = time.monotonic()
        cp = self.agent(action="status", cipher="7", login_timeout="1")
        self.assertFailsWith(cp, 5, "timed out")
        # Slack for process start on a loaded machine; libfreeipmi's own
        # default would take tens of seconds.
        self.assertLess(time.monotonic() - start, 1 + 1.5)
        # A suite libfreeipmi does not implement is a configuration error.
        self.assertFailsWith(self.agent(action="status", cipher="4"), 2, "cipher '4'")

    def freeze_bmc(self):
        """A BMC that stops answering (hung, or its network gone): ipmi_sim
        keeps its port, so no ICMP error tells the agent anything."""
        os.kill(self.bmc.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, self.bmc.pid, signal.SIGCONT)

    def assertUnreachableWithin(self, bound, words, **opts):
        start = time.monotonic()
        cp = self.agent(**opts)
        took = time.monotonic() - start
        self.assertFailsWith(cp, 4, words)
        self.assertEqual(len([l for l in cp.stderr.splitlines() if "ERROR" in l]), 1, cp.stderr)
        self.assertIn(self.bmc.addr, cp.stderr)
        self.assertLess(took, bound)
        return took

    def test_silent_bmc_is_unreachable_within_reach_timeout(self):
        self.freeze_bmc()
        # Slack for process start on a loaded machine, but far below the
        # login_timeout (5 s) a log-in would wait out.
        for reach in ("1", "0.5"):
            self.assertUnreachableWithin(float(reach) + 0.8, "reach_timeout", action="reboot",
                                         reach_timeout=reach)

    def test_a_port_nobody_listens_on_is_unreachable_at_once(self):
        self.bmc.stop()
        self.assertUnreachableWithin(0.8, "nothing listens", action="status")

    def test_without_the_ping_a_silent_bmc_costs_login_timeout(self):
        self.freeze_bmc()
        for timeout in ("0.5", "2"):
            start = time.monotonic()
            cp = self.agent(action="reboot", login_timeout=timeout, reach_timeout="0")
            took = time.monotonic() - start
            self.assertIn(cp.returncode, (4, 5), cp.stderr)
            self.assertEqual(len([l for l in cp.stderr.splitlines() if "ERROR" in l]), 1, cp.stderr)
            self.assertIn(self.bmc.addr, cp.stderr)
            self.assertGreaterEqual(took, float(timeout) * 0.8)
            self.assertLess(took, float(timeout) + 1.5)

    def test_a_bmc_that_answers_pings_but_is_slow_to_log_in_gets_login_timeout(self):
        # ipmi_sim answers the ping but never cipher suite 7: the log-in
        # runs into login_timeout (5), not into reach_timeout (4).
        cp = self.agent(action="status", cipher="7", login_timeout="1.5", reach_timeout="0.3")
        self.assertFailsWith(cp, 5, "timed out")

    def test_password_given_on_stdin_never_shows_in_proc(self):
        self.freeze_bmc()  # the agent then waits out login_timeout: time to look
        proc = subprocess.Popen([AGENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            proc.stdin.write(stdin_of(ip=self.bmc.addr, username="admin", password=PASSWORD,
                                      action="status", login_timeout="3",
                                      reach_timeout="0"))
            proc.stdin.close()
            proc.stdin = None
            seen = []

            def logging_in():
                # The agent has read stdin once it has a thread doing the login.
                tasks = os.listdir(f"/proc/{proc.pid}/task")
                for name in ("cmdline", "environ"):
                    with open(f"/proc/{proc.pid}/{name}", "rb") as f:
                        seen.append(f.read())
                return len(tasks) > 1

            wait_until(logging_in, 5, interval=0.01, what="the agent to start logging in")
            ps = run(["ps", "-eo", "args"]).stdout
            self.assertNotIn(PASSWORD, ps)
            for blob in seen:
                self.assertNotIn(PASSWORD.encode(), blob)
        finally:
            out, err = proc.communicate(timeout=10)
        self.assertNotIn(PASSWORD, out + err)

    def test_stonith_admin_reads_metadata_and_validates(self):
        agents = {"fence_vmha_ipmi": AGENT}
        # vmha may be installed on the machine: the build's agent must be
        # the one stonith_admin runs, and the installed one left as it was.
        installed = path_state("/usr/sbin/fence_vmha_ipmi")
        seen = run_with_agents(["readlink", "-f", "/usr/sbin/fence_vmha_ipmi"], agents)
        self.assertEqual(seen.stdout.strip(), os.path.realpath(AGENT))
        cp = run_with_agents(["stonith_admin", "-M", "-a", "fence_vmha_ipmi"], agents)
        self.assertEqual(ET.fromstring(cp.stdout).get("name"), "fence_vmha_ipmi")
        ok = run_with_agents(["stonith_admin", "--validate", "-a", "fence_vmha_ipmi",
                              "-o", f"ip={self.bmc.addr}", "-o", "username=admin",
                              "-o", "password=x"], agents, check=False)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("succeeded", ok.stdout)
        bad = run_with_agents(["stonith_admin", "--validate", "-a", "fence_vmha_ipmi",
                               "-o", "password=x"], agents, check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("ip is not set", bad.stdout + bad.stderr)
        self.assertEqual(path_state("/usr/sbin/fence_vmha_ipmi"), installed, "overlay leaked")


if __name__ == "__main__":
    unittest.main()
