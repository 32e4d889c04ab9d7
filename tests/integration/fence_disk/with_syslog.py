"""Runs fence_vmha_disk once as on a host with syslog: in a private mount
namespace (started by the test with `unshare --mount`), /dev is a tmpfs
holding the nodes the agent needs and a datagram socket at /dev/log that
this script reads. Prints {"rc", "stdout", "stderr", "syslog"} as JSON.

usage: with_syslog.py AGENT DEVICE STDIN_TEXT"""

import json
import os
import socket
import subprocess
import sys
import tempfile


def mount(*args):
    subprocess.run(["mount", *args], check=True)


def main():
    agent, device, stdin_text = sys.argv[1:4]
    old = tempfile.mkdtemp(prefix="vmha-olddev-")
    mount("--bind", "/dev", old)
    mount("-t", "tmpfs", "-o", "mode=0755", "vmha-dev", "/dev")
    for node in ("null", "zero", "urandom", "random", "loop-control", os.path.basename(device)):
        if os.path.exists(os.path.join(old, node)):
            open(os.path.join("/dev", node), "w").close()
            mount("--bind", os.path.join(old, node), os.path.join("/dev", node))
    log = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    log.bind("/dev/log")
    # close_fds (the default): the agent starts with 0-2 only, as under the
    # fencer, so its syslog socket takes fd 3.
    cp = subprocess.run([agent], input=stdin_text, capture_output=True, text=True, timeout=60)
    log.setblocking(False)
    lines = []
    while True:
        try:
            lines.append(log.recv(65536).decode(errors="replace"))
        except BlockingIOError:
            break
    print(json.dumps({"rc": cp.returncode, "stdout": cp.stdout, "stderr": cp.stderr, "syslog": lines}))


if __name__ == "__main__":
    main()
