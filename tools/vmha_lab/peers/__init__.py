"""The lab's machinery: each peer vmha works with, started privately on
this machine and removed with everything it made, on failure too: hosts as
namespaces with corosync and pacemaker (cluster_host, cluster, cluster_net),
a private libvirtd with tiny QEMU guests whose init writes a numbered record
to its disk every 100 ms (libvirtd, guest_image, domain_xml, disk, kvm),
NBD exports with injectable I/O errors (nbd), simulated IPMI BMCs (bmc),
loop devices and the sbd tool (loopdev, sbdtool), and a one-host cluster
running vmha-eventd (eventd_bed). vmha-lab builds its cluster from them;
vmha's integration tests and benchmarks start them directly. Nothing here
imports the rest of vmha_lab."""
