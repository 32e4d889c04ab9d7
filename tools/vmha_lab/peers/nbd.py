"""An nbdkit NBD server exporting a raw image over a unix socket, for guests
whose storage must fail on demand or die (domain_xml(nbd=...))."""

import os
import signal

from . import proc


class NbdExport(proc.Peer):
    """Context manager around `nbdkit file` in daemon mode. With
    error_filter=True every request fails with EIO while fail_on() is in
    effect (nbdkit's error filter; flushes never fail)."""

    def __init__(self, image_path, workdir, export_name="disk0", error_filter=False):
        self.image_path = image_path
        self.export_name = export_name
        self.error_filter = error_filter
        self.socket = os.path.join(workdir, f"nbd-{export_name}.sock")
        self.pidfile = os.path.join(workdir, f"nbd-{export_name}.pid")
        self.trigger = os.path.join(workdir, f"nbd-{export_name}.fail")
        self.pid = None

    def _remove_files(self):
        # A server killed with SIGKILL leaves its socket and pidfile behind.
        for path in (self.socket, self.pidfile):
            if os.path.exists(path):
                os.unlink(path)

    def start(self):
        """Starts nbdkit and waits until it accepts connections."""
        self._remove_files()
        argv = ["nbdkit", "-U", self.socket, "-P", self.pidfile, "-e", self.export_name]
        if self.error_filter:
            argv += ["--filter=error"]
        argv += ["file", self.image_path]
        if self.error_filter:
            argv += ["error=EIO", "error-rate=100%", f"error-file={self.trigger}"]
        # nbdkit forks into the background and writes the pidfile once it
        # accepts connections.
        proc.run(argv, timeout=30)
        self.pid = proc.wait_until(
            lambda: os.path.exists(self.socket) and proc.read_pidfile(self.pidfile), 10,
            what=f"nbdkit to write {self.pidfile} and listen on {self.socket}")

    def fail_on(self):
        """From now on every read and write fails with EIO."""
        open(self.trigger, "w").close()

    def fail_off(self):
        if os.path.exists(self.trigger):
            os.unlink(self.trigger)

    def kill(self):
        """SIGKILL: the storage dies without a goodbye."""
        if self.pid and proc.pid_alive(self.pid):
            os.kill(self.pid, signal.SIGKILL)
            proc.wait_until(lambda: not proc.pid_alive(self.pid), 10,
                            what=f"nbdkit {self.pid} to die")

    def restart(self):
        """Starts the server again on the same socket (after kill())."""
        self.stop()
        self.start()

    def stop(self):
        proc.stop_pid(self.pid)
        self.pid = None

    def close(self):
        self.stop()
        self.fail_off()
        self._remove_files()
