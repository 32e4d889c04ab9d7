#include "libvmha/virt/qemu_process.h"

#include <dirent.h>
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "libvmha/base/strings.h"

namespace vmha::virt {
namespace {

std::string read_file(const std::string& path, bool* ok) {
  std::ifstream f(path, std::ios::binary);
  *ok = static_cast<bool>(f);
  if (!f) return {};
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A zombie still has a /proc entry but no longer runs a guest.
bool is_live(const std::string& proc_root, int pid) {
  bool ok = false;
  std::string stat = read_file(proc_root + "/" + std::to_string(pid) + "/stat", &ok);
  if (!ok) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

bool pid_is_guest(const std::string& proc_root, int pid, const std::string& domain) {
  bool ok = false;
  std::string cmd = read_file(proc_root + "/" + std::to_string(pid) + "/cmdline", &ok);
  return ok && is_live(proc_root, pid) && cmdline_names_guest(cmd, domain);
}

}  // namespace

bool cmdline_names_guest(const std::string& cmdline, const std::string& domain) {
  // libvirt starts QEMU with "-name guest=NAME,debug-threads=on"; commas in
  // the name are doubled.
  std::string escaped;
  for (char c : domain) {
    escaped += c;
    if (c == ',') escaped += ',';
  }
  std::string want = "guest=" + escaped;
  auto args = split(cmdline, '\0');
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] != "-name") continue;
    const std::string& v = args[i + 1];
    if (v == want || v.starts_with(want + ",") || v == domain) return true;
  }
  return false;
}

QemuProcess find_qemu(const std::string& domain, const std::string& pid_dir,
                      const std::string& proc_root) {
  QemuProcess out;
  bool ok = false;
  std::string pidfile = pid_dir + "/" + domain + ".pid";
  std::string text = read_file(pidfile, &ok);
  if (ok) {
    if (auto pid = parse_int(text); pid && *pid > 0 && pid_is_guest(proc_root, *pid, domain)) {
      out.liveness = Liveness::kRunning;
      out.pid = static_cast<int>(*pid);
      out.evidence = "pidfile " + pidfile + " names live QEMU pid " + std::to_string(*pid);
      return out;
    }
  }
  // The pidfile may be stale or missing (daemon restarted); the process list
  // is the proof either way.
  DIR* dir = opendir(proc_root.c_str());
  if (!dir) {
    out.evidence = "cannot read " + proc_root;
    return out;
  }
  while (dirent* e = readdir(dir)) {
    auto pid = parse_int(e->d_name);
    if (!pid) continue;
    if (pid_is_guest(proc_root, static_cast<int>(*pid), domain)) {
      closedir(dir);
      out.liveness = Liveness::kRunning;
      out.pid = static_cast<int>(*pid);
      out.evidence = "QEMU pid " + std::to_string(*pid) + " runs guest " + domain;
      return out;
    }
  }
  closedir(dir);
  out.liveness = Liveness::kNotRunning;
  out.evidence = "no QEMU process runs guest " + domain + (ok ? " (stale pidfile)" : "");
  return out;
}

Status kill_qemu(const QemuProcess& qemu, const std::string& domain, Millis budget, Clock& clock) {
  if (qemu.liveness != Liveness::kRunning) return Unit{};
  Deadline deadline(clock, budget);
  Millis term_until = budget / 2;
  Deadline term_deadline(clock, term_until);
  bool killed = false;
  kill(qemu.pid, SIGTERM);
  while (!deadline.expired()) {
    if (!pid_is_guest("/proc", qemu.pid, domain)) return Unit{};
    if (!killed && term_deadline.expired()) {
      kill(qemu.pid, SIGKILL);
      killed = true;
    }
    clock.sleep_for(Millis(50));
  }
  return make_error(Errc::kTimeout, "QEMU pid " + std::to_string(qemu.pid) + " of " + domain +
                                        " did not exit within " + std::to_string(budget.count()) +
                                        " ms");
}

}  // namespace vmha::virt
