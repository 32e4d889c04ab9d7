"""`vmha-lab run all`: every registered scenario, least disruptive first,
so that a failure early on does not leave a lab that the next scenarios
cannot start from: one guest or daemon, then storage, then the network,
then whole hosts. Scenarios not named here run last, in registration
order."""

from . import scenarios

ORDER = ("qemu-crash", "guest-poweroff", "libvirtd-hang", "storage-outage", "storage-cut",
         "network-cut", "fence-fallback", "power-cut", "double-failure")


def expand(names):
    """The scenario names to run, with "all" replaced by every registered
    scenario in ORDER."""
    every = [n for n in ORDER if n in scenarios.SCENARIOS]
    every += [n for n in scenarios.SCENARIOS if n not in every]
    out = []
    for n in names:
        out += every if n == "all" else [n]
    return out
