"""Test harness: starts real peers (libvirtd + QEMU, corosync + pacemaker,
ipmi_sim, loop devices, nbdkit) for vmha's integration tests, and removes
everything it created, on failure too."""
