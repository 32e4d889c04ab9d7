"""What only vmha's tests need: LabCase (a private lab per test),
HangableDisk, checks (expect_within, run_with_agents). The peers the tests
start (libvirtd + QEMU, corosync + pacemaker, ipmi_sim, loop devices,
nbdkit) are the lab's own machinery, vmha_lab.peers in tools/."""
