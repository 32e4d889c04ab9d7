"""A simulated BMC: one OpenIPMI ipmi_sim on ADDR:623 with its own lan.conf,
emulator script and state directory, whose chassis_control hook keeps the
"host" power state in a file and appends every change to an event log.

    with Bmc() as bmc:              # a free 127.0.x.y address
        bmc.power                   # "on" / "off"
        bmc.events()                # ["off", "on"] after an onoff reboot

Only the ipmi_sim we started is stopped, by its PID; the directory (which
holds the password, mode 0600) is removed on close, on failure too."""

import os
import random
import shutil
import subprocess
import tempfile

from .proc import HarnessError, pid_alive, stop_pid, wait_until

IPMI_SIM = "/usr/bin/ipmi_sim"

# ipmi_sim calls HOOK get power | set power 0|1 | set reset 1 | set shutdown 1,
# "get power" at every chassis status. Shell built-ins only: a process the
# hook starts would be timed (in bench/fence) as the BMC's answer.
def _hook(ignores=None):
    skip = {None: "", "on": '[ "$3" = 1 ] || ', "off": '[ "$3" = 0 ] || '}[ignores]
    return """#!/bin/sh
dir=${0%/*}
case "$1 $2" in
  "get power") read -r p < "$dir/power"; echo "power:$p" ;;
  "set power")
    """ + skip + """printf '%s' "$3" > "$dir/power"
    if [ "$3" = 1 ]; then echo on >> "$dir/events"; else echo off >> "$dir/events"; fi ;;
  "set reset") echo reset >> "$dir/events" ;;
  "set shutdown") echo shutdown >> "$dir/events" ;;
esac
exit 0
"""


_EMU = "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n"


def _udp_bound(addr, port, proc_net="/proc/net/udp"):
    """Whether some socket is bound to addr:port (IPv4) in this netns."""
    want = "%08X:%04X" % (int.from_bytes(bytes(int(x) for x in addr.split(".")), "little"), port)
    try:
        with open(proc_net) as f:
            return any(line.split()[1] == want for line in f.readlines()[1:])
    except FileNotFoundError:
        return False


def free_loopback_addr(port=623):
    """A 127.0.x.y address (x in 100-199) nobody has bound `port` on."""
    for _ in range(200):
        addr = f"127.0.{random.randint(100, 199)}.{random.randint(2, 254)}"
        if not _udp_bound(addr, port):
            return addr
    raise HarnessError("no free 127.0.x.y address for a simulated BMC")


class Bmc:
    def __init__(self, addr=None, port=623, username="admin", password="secret",
                 power_on=True, netns=None, ready_timeout=10, workdir=None, chassis_hook=None,
                 ignores=None, kg=None, users=()):
        """workdir: a new directory to hold the BMC's files instead of a
        temporary one; chassis_hook: the hook script's text instead of the
        power-file one (ipmi_sim then starts in a session of its own, so it
        may outlive the caller: stop it by self.pid); ignores: "on" or "off",
        a power request the hook records but never carries out; kg: the
        BMC's K_g key (printable, no spaces, up to 20 bytes; hexadecimal_kg
        is its hex); users: more (name, password, max privilege) accounts,
        the privilege one of "user", "operator", "admin"."""
        self.addr = addr or free_loopback_addr(port)
        self.port = port
        self.username = username
        self.password = password
        self.netns = netns
        self.pid = None
        self._hook = chassis_hook or _hook(ignores)
        self._own_session = chassis_hook is not None
        self.kg = kg
        self.users = list(users)
        if workdir:
            os.makedirs(workdir)
            self.dir = workdir
        else:
            self.dir = tempfile.mkdtemp(prefix="vmha-bmc-")
        try:
            self._write_files(power_on)
            self._start(ready_timeout)
        except BaseException:
            self.close()
            raise

    def _write(self, name, text, mode=0o600):
        path = os.path.join(self.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def _write_files(self, power_on):
        os.makedirs(os.path.join(self.dir, "state"))
        self._write("power", "1" if power_on else "0")
        self._write("events", "")
        hook = self._write("hook", self._hook, 0o700)
        self._write("bmc.emu", _EMU)
        kg = f'    bmc_key "{self.kg}"\n' if self.kg else ""
        users = "".join(f'  user {n} true "{name}" "{pw}" {priv} 10 none md2 md5 straight\n'
                        for n, (name, pw, priv) in enumerate(self.users, start=3))
        self._write("lan.conf", f"""name "vmha-bmc"
set_working_mc 0x20
  startlan 1
    addr {self.addr} {self.port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
{kg}  endlan
  chassis_control "{hook}"
  user 2 true "{self.username}" "{self.password}" admin 10 none md2 md5 straight
{users}""")

    def _start(self, ready_timeout):
        argv = [IPMI_SIM, "-c", os.path.join(self.dir, "lan.conf"),
                "-f", os.path.join(self.dir, "bmc.emu"), "-s", os.path.join(self.dir, "state"), "-n"]
        if self.netns:
            argv = ["ip", "netns", "exec", self.netns] + argv
        log = open(os.path.join(self.dir, "ipmi_sim.log"), "w")
        with log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    start_new_session=self._own_session)
        self.pid = proc.pid
        self._proc = proc
        proc_net = f"/proc/{self.pid}/net/udp"

        def ready():
            if proc.poll() is not None:
                raise HarnessError(f"ipmi_sim exited {proc.returncode} at start: {self.log()}")
            return _udp_bound(self.addr, self.port, proc_net)

        wait_until(ready, ready_timeout, interval=0.01, what=f"ipmi_sim on {self.addr}:{self.port}")

    def log(self):
        try:
            with open(os.path.join(self.dir, "ipmi_sim.log")) as f:
                return f.read()[-2000:]
        except FileNotFoundError:
            return ""

    @property
    def power(self):
        with open(os.path.join(self.dir, "power")) as f:
            return "on" if f.read().strip() == "1" else "off"

    def set_power(self, on):
        self._write("power", "1" if on else "0")

    def events(self):
        """Power changes the hook saw, oldest first: "on", "off", "reset"..."""
        with open(os.path.join(self.dir, "events")) as f:
            return f.read().split()

    def clear_events(self):
        self._write("events", "")

    def alive(self):
        return self.pid is not None and pid_alive(self.pid)

    def stop(self):
        """Stops our ipmi_sim (by PID); the BMC then stops answering."""
        if self.pid is not None:
            stop_pid(self.pid)
            self._proc.wait(timeout=10)
            self.pid = None

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
