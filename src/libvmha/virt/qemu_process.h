// Finds a domain's QEMU process without libvirtd, from libvirt's pidfile and
// /proc, so that a hung daemon is never mistaken for a stopped guest.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::virt {

enum class Liveness { kRunning, kNotRunning, kUnknown };

struct QemuProcess {
  Liveness liveness = Liveness::kUnknown;
  int pid = 0;
  std::string evidence;  // what proved it, for logs
};

// pid_dir is where libvirt's QEMU driver keeps NAME.pid (/run/libvirt/qemu
// for qemu:///system). A pid counts only if its command line names the guest.
QemuProcess find_qemu(const std::string& domain, const std::string& pid_dir = "/run/libvirt/qemu",
                      const std::string& proc_root = "/proc");

// Whether cmdline (NUL-separated, as in /proc/PID/cmdline) is QEMU's for domain.
bool cmdline_names_guest(const std::string& cmdline, const std::string& domain);

// SIGTERM, then SIGKILL after half the budget; succeeds only once the
// process is gone. Used to stop a guest when libvirtd cannot.
Status kill_qemu(const QemuProcess& qemu, const std::string& domain, Millis budget, Clock& clock);

}  // namespace vmha::virt
