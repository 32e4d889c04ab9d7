"""Milestones of a host loss read from the hosts' own logs, to the
millisecond, rather than from polling: when the survivors' Pacemaker saw
the host lost, when the fencer reported it fenced, and when libvirt
started the guest's new QEMU. Each is in seconds since the fault (a wall
clock time), or None if no log line says so."""

import datetime
import os
import re

# Pacemaker's log lines start "Nov 22 06:03:22.317 h2 ...", in UTC here
# and without a year.
_PCMK_TIME = re.compile(r"^(\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}) ")
# libvirt's per-guest QEMU log: "2026-11-22 06:16:42.324+0000: starting up ..."
_QEMU_START = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\+0000: starting up")


def _pcmk_wall(line, year):
    m = _PCMK_TIME.match(line)
    if not m:
        return None
    t = datetime.datetime.strptime(f"{year} {m.group(1)}", "%Y %b %d %H:%M:%S.%f")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def _lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()
    except FileNotFoundError:
        return []


def _first_pcmk(layout, hosts, pattern, since):
    """Earliest wall time >= since of a pacemaker.log line matching
    pattern on any of hosts, or None."""
    year = datetime.datetime.fromtimestamp(since, datetime.timezone.utc).year
    found = []
    for h in hosts:
        for line in _lines(os.path.join(h.dir, "log-pacemaker", "pacemaker.log")):
            if pattern.search(line):
                t = _pcmk_wall(line, year)
                if t is not None and t >= since:
                    found.append(t)
    return min(found) if found else None


def qemu_started(layout, guest, host_name, since):
    """Wall time libvirt started the guest's QEMU in host_name after since."""
    path = os.path.join(layout.host(host_name).dir, "libvirt", "log", "qemu", f"{guest}.log")
    for line in _lines(path):
        m = _QEMU_START.match(line)
        if m:
            t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f")
            t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            if t >= since:
                return t
    return None


def host_loss(layout, victims, guest, new_host, since):
    """{"lost_log_s", "fenced_log_s", "qemu_started_s"}: seconds from since
    (the fault's wall time), as the survivors' logs tell. With several
    victims, lost and fenced are when the last of them was."""
    survivors = [h for h in layout.hosts if h not in victims]

    def last_of(line):
        times = [_first_pcmk(layout, survivors, re.compile(line.format(v.name)), since)
                 for v in victims]
        return None if None in times else max(times)
    lost = last_of(r"Node {} state is now lost")
    fenced = last_of(r"Operation '\w+' targeting {} .*: OK")
    started = qemu_started(layout, guest, new_host, since) if new_host else None

    def rel(t):
        return round(t - since, 2) if t is not None else None
    return {"lost_log_s": rel(lost), "fenced_log_s": rel(fenced), "qemu_started_s": rel(started)}
