# Appended to host_before_cluster.sh for the classic stack: the real sbd
# watches this host's slot on the poison-pill disk. No watchdog device here
# (-W -W) and disk only (-P -P). Its self-fence still happens: reboot(2)
# from inside a PID namespace kills the namespace, i.e. this host.
SBD_SYNC_RESOURCE_STARTUP=no /usr/sbin/sbd -d @PILL@ -n "$VMHA_HOST_NAME" -W -W -P -P \
  -p /run/sbd.pid watch >>"$dir/sbd.log" 2>&1
