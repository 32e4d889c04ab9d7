#include "libvmha/vm/context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"

namespace vmha::vm {
namespace {

// Leave this much of Pacemaker's timeout to report, never less than 1 s.
Millis usable(Millis budget) { return std::max(Millis(1000), budget - std::min(budget / 10, Millis(3000))); }

void make_dirs(const std::string& path) {
  std::string cur;
  for (const auto& part : split(path, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    mkdir(cur.c_str(), 0755);
  }
}

}  // namespace

Context::Context(VmConfig cfg, ocf::CallInfo call, Clock& clock, Millis op_budget,
                 std::string run_dir)
    : cfg_(std::move(cfg)),
      call_(std::move(call)),
      clock_(clock),
      op_budget_(op_budget),
      deadline_(clock, usable(op_budget)),
      run_dir_(std::move(run_dir)) {}

Result<virt::Hypervisor*> Context::hv() {
  if (hv_) return hv_.get();
  Millis t = std::min(cfg_.libvirt_timeout, deadline_.remaining());
  auto h = virt::Hypervisor::connect(cfg_.uri, std::max(t, Millis(1)));
  if (!h) return h.error();
  hv_ = std::move(*h);
  return hv_.get();
}

std::string Context::domain_name() const {
  if (cfg_.domain) return cfg_.domain->name;
  return read_state("domain").value_or("");
}

std::string Context::state_path(const std::string& suffix) const {
  std::string key = call_.resource.empty() ? (cfg_.domain ? cfg_.domain->name : "unnamed") : call_.resource;
  return run_dir_ + "/VirtualMachine/" + key + "." + suffix;
}

std::optional<std::string> Context::read_state(const std::string& suffix) const {
  std::ifstream f(state_path(suffix));
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  return std::string(trim(ss.str()));
}

void Context::write_state(const std::string& suffix, const std::string& content) const {
  make_dirs(run_dir_ + "/VirtualMachine");
  std::string path = state_path(suffix);
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << content << "\n";
    if (!f) {
      log::warning("cannot write " + tmp);
      return;
    }
  }
  std::rename(tmp.c_str(), path.c_str());
}

void Context::clear_state(const std::string& suffix) const { unlink(state_path(suffix).c_str()); }

void Context::remember_running(const std::string& name) {
  write_state("domain", name);
  // With the name, what a stop needs when the parameters no longer parse.
  write_state("uri", cfg_.uri);
  // The stop marker outlives the stop so vmha-eventd never races it; a new
  // start ends it.
  clear_state("stopping");
}

void Context::forget_running() {
  for (const char* s : {"domain", "uri", "util", "paused", "checked"}) clear_state(s);
}


}  // namespace vmha::vm
