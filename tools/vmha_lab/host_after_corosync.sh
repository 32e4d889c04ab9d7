# Sourced by cluster_init.sh once corosync answers: the quorum device's
# client (corosync.conf names the qnetd server).
mkdir -p /run/corosync-qdevice
corosync-qdevice -f >>"$dir/qdevice.log" 2>&1 &
