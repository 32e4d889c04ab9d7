"""The real `sbd` tool on a device, for tests that write or read its layout."""

from .proc import run

SBD = "/usr/sbin/sbd"


def sbd(dev, *args, check=True):
    return run([SBD, "-d", dev] + list(args), timeout=60, check=check)


def sbd_list(dev):
    """{node: (message, sender)} as `sbd list` prints it."""
    return {node: (message, sender) for node, (_, message, sender) in sbd_slots(dev).items()}


def sbd_slots(dev):
    """{node: (slot, message, sender)} as `sbd list` prints it."""
    out = {}
    for line in sbd(dev, "list").stdout.splitlines():
        fields = line.split("\t")
        out[fields[1]] = (int(fields[0]), fields[2], fields[3] if len(fields) > 3 else "")
    return out
