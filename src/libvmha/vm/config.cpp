#include "libvmha/vm/config.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace vmha::vm {
namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Error bad(const std::string& msg) { return make_error(Errc::kInvalidArgument, msg); }

}  // namespace

Result<VmConfig> load_config(const ocf::Params& p, const ocf::CallInfo& call) {
  VmConfig c;
  c.config_path = p.str("config");
  if (c.config_path.empty() || c.config_path[0] != '/')
    return bad("config=" + c.config_path + " must be an absolute path to the domain XML");
  c.uri = p.str("hypervisor");
  if (c.uri.empty()) return bad("hypervisor must be a libvirt URI such as qemu:///system");
  c.persistent = p.boolean("persistent");
  c.force_stop = p.boolean("force_stop");

  int64_t shutdown = p.integer("shutdown_timeout");
  if (shutdown < 0) return bad("shutdown_timeout must be 0 (derive) or a number of seconds");
  c.shutdown_budget = Millis(shutdown * 1000);
  int64_t lt = p.integer("libvirt_timeout");
  if (lt <= 0) return bad("libvirt_timeout must be a positive number of seconds");
  c.libvirt_timeout = Millis(lt * 1000);

  auto rb = virt::parse_resume_behavior(p.str("resume_behavior"));
  if (!rb)
    return bad("resume_behavior=" + p.str("resume_behavior") +
               " is not one of auto_resume, leave_paused, kill");
  auto gs = virt::parse_guest_shutdown(p.str("guest_shutdown"));
  if (!gs) return bad("guest_shutdown=" + p.str("guest_shutdown") + " is not one of restart, stop");
  c.policy.resource = call.resource;
  c.policy.resume = *rb;
  c.policy.guest_shutdown = *gs;
  c.policy.kill_paused_after_s = p.integer("kill_paused_after");
  if (c.policy.kill_paused_after_s <= 0)
    return bad("kill_paused_after must be a positive number of seconds");

  c.migration_transport = p.str("migration_transport");
  c.migration_user = p.str("migration_user");
  c.migration_network_suffix = p.str("migration_network_suffix");
  c.migrateuri = p.str("migrateuri");
  c.remoteuri = p.str("remoteuri");
  c.migration_downtime_ms = p.integer("migration_downtime");
  c.migration_speed_mib = p.integer("migration_speed");
  if (c.migration_downtime_ms < 0 || c.migration_speed_mib < 0)
    return bad("migration_downtime and migration_speed must not be negative");
  c.autoset_cpu = p.boolean("autoset_utilization_cpu");
  c.autoset_memory = p.boolean("autoset_utilization_hv_memory");
  c.save_config_on_stop = p.boolean("save_config_on_stop");
  c.snapshot_dir = p.str("snapshot");
  if (!c.snapshot_dir.empty() && c.snapshot_dir[0] != '/')
    return bad("snapshot=" + c.snapshot_dir + " must be an absolute directory path");

  std::ifstream f(c.config_path);
  if (f) {
    std::stringstream ss;
    ss << f.rdbuf();
    c.domain_xml = ss.str();
    auto dom = virt::parse_domain_xml(*c.domain_xml);
    if (!dom) return bad("config " + c.config_path + ": " + dom.error().message);
    c.domain = std::move(*dom);
  }
  return c;
}

std::string config_caveat(const VmConfig& c) {
  // libvirt forgets a transient domain, and with it the shutdown reason, as
  // soon as it stops: the agent then sees it absent, which cannot be told
  // from a crash. vmha-eventd catches the shutdown event as it happens.
  if (c.policy.guest_shutdown == virt::GuestShutdown::kStop && !c.persistent)
    return "guest_shutdown=stop with persistent=false is honoured only where vmha-eventd runs; "
           "without it a guest that powers itself off is restarted";
  return "";
}

Status check_node_local(const VmConfig& c) {
  if (!c.domain_xml)
    return make_error(Errc::kNotConfigured, "config " + c.config_path +
                                                " does not exist or is not readable on this node");
  if (!c.snapshot_dir.empty() && !is_dir(c.snapshot_dir))
    return make_error(Errc::kNotConfigured,
                      "snapshot directory " + c.snapshot_dir + " does not exist on this node");
  return Unit{};
}

}  // namespace vmha::vm
