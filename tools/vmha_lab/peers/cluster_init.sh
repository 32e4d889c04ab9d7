#!/bin/bash
# PID 1 of one lab host, started by cluster_host.py under
# `ip netns exec NS unshare --mount --uts --ipc --pid --fork --mount-proc`.
# Gives the host its own /run, /dev/shm and cluster state, runs corosync and
# pacemakerd in the foreground, and stays up reaping orphans until killed.
# Environment: VMHA_HOST_NAME, VMHA_HOST_DIR (the per-host directory).
set -euo pipefail
dir=$VMHA_HOST_DIR

# Fresh /run and /dev/shm: pacemaker and libqb keep pid files, sockets' shm
# rings and state there, and hosts must not see each other's.
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# Optional additions a caller puts in the host directory (vmha-lab: a /var
# overlay and libvirtd before the cluster's mounts, corosync-qdevice once
# corosync answers); plain Cluster hosts have neither file.
if [[ -f $dir/before-cluster.sh ]]; then source "$dir/before-cluster.sh"; fi
while read -r src dst; do
  mount --bind "$dir/$src" "$dst"
done <<'EOF'
etc-corosync /etc/corosync
var-lib-corosync /var/lib/corosync
var-lib-pacemaker /var/lib/pacemaker
log-pacemaker /var/log/pacemaker
log-corosync /var/log/corosync
EOF

# Agents under test: read-only overlays (layer over the machine's directory),
# shallowest mount point first so deeper ones stack on top.
while IFS=$'\t' read -r target layer; do
  mount -t overlay overlay -o "ro,lowerdir=$layer:$target" "$target"
done <"$dir/overlays"

hostname "$VMHA_HOST_NAME"

corosync -f &
corosync_pid=$!
for _ in $(seq 300); do
  corosync-cfgtool -s >/dev/null 2>&1 && break
  if ! kill -0 "$corosync_pid" 2>/dev/null; then
    echo "cluster_init: corosync exited during start" >&2
    exit 1
  fi
  sleep 0.1
done
corosync-cfgtool -s >/dev/null
if [[ -f $dir/after-corosync.sh ]]; then source "$dir/after-corosync.sh"; fi

pacemakerd &
echo "cluster_init: corosync and pacemakerd started"

# bash reaps any child, orphans re-parented to it included, while it waits.
wait || true
echo "cluster_init: corosync and pacemakerd exited; host stays up" >&2
while :; do
  sleep 3600 &
  wait $! || true
done
