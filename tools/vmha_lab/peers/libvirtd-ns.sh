#!/bin/bash
# Runs a private libvirtd in a new mount namespace, over directories of
# WORKDIR (prepared by libvirtd.py beside it), without changing the
# machine: nothing is mounted or created outside WORKDIR, and the namespace
# ends with the subreaper that runs libvirtd.
#
# Usage: libvirtd-ns.sh WORKDIR PARENT_PID
# The process keeps its PID through both execs, so the caller's child PID is
# the subreaper's, inside the namespace.
set -euo pipefail

if [[ ${1-} != --inside ]]; then
    # unshare and mount would otherwise record mounts in the machine's /run.
    export LIBMOUNT_UTAB=$1/utab
    exec unshare -m --propagation private -- /bin/bash "$0" --inside "$@"
fi
w=$2
parent=$3

# The machine has no /var/lib/libvirt, /var/log/libvirt, /var/cache/libvirt:
# a private overlay on /var makes the mount points without creating them on
# the machine.
mount -t overlay overlay -o "lowerdir=/var,upperdir=$w/var-upper,workdir=$w/var-work" /var
for d in lib log cache; do
    mkdir -p "/var/$d/libvirt"
    mount --bind "$w/$d" "/var/$d/libvirt"
done
# The whole of /run: libvirt then also sees no systemd (/run/systemd).
mount --bind "$w/run" /run
mount --bind "$w/etc" /etc/libvirt
# The QEMU driver looks up the libvirt-qemu user before reading qemu.conf.
mount --bind "$w/passwd" /etc/passwd
mount --bind "$w/group" /etc/group
# Names of the other daemons, for peer-to-peer migration to qemu+tcp://NAME.
if [[ -f $w/hosts ]]; then mount --bind "$w/hosts" /etc/hosts; fi

exec /usr/bin/python3 "$(dirname "$0")/subreaper.py" "$parent" -- \
    /usr/sbin/libvirtd --listen --pid-file /run/libvirt/libvirtd.pid
