# Sourced by cluster_init.sh (PID 1 of a lab host) before the cluster's own
# mounts, with $dir the host's directory; @SUBREAPER@ is replaced by
# vmha-lab. Gives the host a /var of its own (libvirt's and vmha's
# directories do not exist on the machine) and starts the host's libvirtd,
# so that agents reach it at qemu:///system and QEMU's pidfiles are in
# /run/libvirt/qemu as on a real host. First, the firmware's self test
# ($VMHA_POST_S, see power.py).
sleep "${VMHA_POST_S:-0}"
# A lab kept under /var (the default /var/lib/vmha-lab) stays the real
# directory inside the host, not the overlay's copy of it.
lab_dir=$(dirname "$dir")
mkdir -p /run/lab-dir
mount --bind "$lab_dir" /run/lab-dir
mount -t overlay overlay \
  -o "lowerdir=/var,upperdir=$dir/libvirt/var-upper,workdir=$dir/libvirt/var-work" /var
if [[ $lab_dir == /var/* ]]; then mount --move /run/lab-dir "$lab_dir"; else umount /run/lab-dir; fi
for d in lib log cache; do
  mkdir -p "/var/$d/libvirt"
  mount --bind "$dir/libvirt/$d" "/var/$d/libvirt"
done
mount --bind "$dir/libvirt/etc" /etc/libvirt
# The QEMU driver looks up the libvirt-qemu user before reading qemu.conf.
mount --bind "$dir/libvirt/passwd" /etc/passwd
mount --bind "$dir/libvirt/group" /etc/group
mkdir -p /run/libvirt
# Under a subreaper: a killed QEMU is reaped (and reported) at once.
/usr/bin/python3 @SUBREAPER@ $$ -- /usr/sbin/libvirtd --listen \
  --pid-file /run/libvirt/libvirtd.pid >>"$dir/libvirt/libvirtd.log" 2>&1 &
