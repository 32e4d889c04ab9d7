# Appended to host_before_cluster.sh for the vmha stack: vmha-eventd's
# storage heartbeat file, over this host's storage link.
# nbdfuse ends when its connection times out (a pulled cable); like a
# multipath device whose path comes back, the file returns once the
# server answers again.
mkdir -p @HEARTBEAT_MOUNT@
(
  set +e  # cluster_init.sh's -e would end the loop at the first exit
  while :; do
    /usr/bin/nbdfuse @HEARTBEAT_MOUNT@ @HEARTBEAT_URI@
    umount -l @HEARTBEAT_MOUNT@
    sleep 0.5
  done
) >>"$dir/nbdfuse.log" 2>&1 &
