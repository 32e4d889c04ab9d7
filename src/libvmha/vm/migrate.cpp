#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/vm/actions.h"
#include "libvmha/vm/ha_record.h"
#include "libvmha/vm/rescue.h"
#include "libvmha/vm/utilization.h"

namespace vmha::vm {
namespace {

std::string replace_node(std::string s, const std::string& node) {
  for (size_t pos; (pos = s.find("%n")) != std::string::npos;) s.replace(pos, 2, node);
  return s;
}

}  // namespace

std::string remote_uri(const VmConfig& c, const std::string& target) {
  if (!c.remoteuri.empty()) return replace_node(c.remoteuri, target);
  std::string driver = c.uri.substr(0, c.uri.find(':'));
  if (auto plus = driver.find('+'); plus != std::string::npos) driver.resize(plus);
  std::string path = "/system";
  if (auto p = c.uri.find(":///"); p != std::string::npos) path = c.uri.substr(p + 3);
  std::string transport = c.migration_transport.empty() ? "" : "+" + c.migration_transport;
  std::string user = c.migration_user.empty() ? "" : c.migration_user + "@";
  return driver + transport + "://" + user + target + c.migration_network_suffix + path;
}

ActionResult migrate_to(Context& ctx) {
  if (auto s = check_node_local(ctx.cfg()); !s) return {ocf::rc_for_error(s.error()), s.error().message};
  const std::string& target = ctx.call().migrate_target;
  if (target.empty()) return {ocf::Rc::kErrGeneric, "migrate_to called without a migration target"};
  const std::string& name = ctx.cfg().domain->name;
  auto hv = ctx.hv();
  if (!hv) return {ocf::Rc::kErrGeneric, "cannot reach libvirt: " + hv.error().message};
  auto st = (*hv)->state(name);
  if (!st) return {ocf::Rc::kErrGeneric, st.error().message};
  if (!st->active) return {ocf::Rc::kErrGeneric, "domain " + name + " is not running here"};
  auto rescue = prepare_rescue(ctx, **hv, name, *st);
  if (!rescue) return {ocf::Rc::kErrGeneric, rescue.error().message};
  virt::MigrateOptions o;
  o.dest_uri = remote_uri(ctx.cfg(), target);
  o.migrate_uri = replace_node(ctx.cfg().migrateuri, target);
  o.downtime_ms = static_cast<uint64_t>(ctx.cfg().migration_downtime_ms);
  o.bandwidth_mib = static_cast<uint64_t>(ctx.cfg().migration_speed_mib);
  o.persistent = ctx.cfg().persistent;
  log::info("migrating " + name + " to " + o.dest_uri);
  (*hv)->set_call_timeout(ctx.deadline().remaining());
  auto m = (*hv)->migrate(name, o);
  rescue_migrated(ctx, name, *rescue, m);
  if (!m) return {ocf::Rc::kErrGeneric, "migration of " + name + " to " + target + " failed: " + m.error().message};
  ctx.forget_running();
  return {ocf::Rc::kSuccess, "domain " + name + " migrated to " + target};
}

ActionResult migrate_from(Context& ctx) {
  if (auto s = check_node_local(ctx.cfg()); !s) return {ocf::rc_for_error(s.error()), s.error().message};
  const std::string& name = ctx.cfg().domain->name;
  auto hv = ctx.hv();
  if (!hv) return {ocf::Rc::kErrGeneric, "cannot reach libvirt: " + hv.error().message};
  auto st = (*hv)->state(name);
  if (!st) return {ocf::Rc::kErrGeneric, st.error().message};
  if (!st->active) return {ocf::Rc::kErrGeneric, "domain " + name + " did not arrive on this node"};
  auto rescued = finish_rescue(ctx, **hv, name);
  if (!rescued) return {ocf::Rc::kErrGeneric, rescued.error().message};
  if (auto w = write_ha_policy(**hv, name, ctx.cfg().policy, ctx.cfg().persistent); !w)
    log::warning("cannot record the HA policy: " + w.error().message);
  ctx.remember_running(name);
  update_utilization(ctx, *st);
  return {ocf::Rc::kSuccess, "domain " + name + " arrived" + (rescued->empty() ? "" : ", " + *rescued)};
}

}  // namespace vmha::vm
