#include <sys/stat.h>
#include <unistd.h>

#include "libvmha/base/log.h"
#include "libvmha/ocf/exit_code.h"
#include "libvmha/virt/domain_xml.h"
#include "libvmha/vm/actions.h"
#include "libvmha/vm/ha_record.h"
#include "libvmha/vm/utilization.h"

namespace vmha::vm {
namespace {

bool file_exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

ActionResult failed(const std::string& what, const Error& e) {
  return {ocf::rc_for_error(e) == ocf::Rc::kErrConfigured ? ocf::Rc::kErrConfigured : ocf::Rc::kErrGeneric,
          what + ": " + e.message};
}

Status launch(Context& ctx, virt::Hypervisor& hv, const virt::DomainState& st) {
  const VmConfig& c = ctx.cfg();
  const std::string& name = c.domain->name;
  if (!c.snapshot_dir.empty()) {
    std::string saved = c.snapshot_dir + "/" + name + ".state";
    if (file_exists(saved)) {
      hv.set_call_timeout(ctx.deadline().remaining());
      VMHA_TRY(hv.restore(saved));
      unlink(saved.c_str());
      log::info("restored " + name + " from " + saved);
      return Unit{};
    }
  }
  // A config without a UUID gets the existing domain's, or libvirt refuses
  // it as a different domain of the same name.
  std::string xml = *c.domain_xml;
  if (st.exists && c.domain->uuid.empty() && !st.uuid.empty()) {
    auto x = virt::with_uuid(xml, st.uuid);
    if (!x) return x.error();
    xml = std::move(*x);
  }
  if (c.persistent) {
    VMHA_TRY(hv.define(xml));
    return hv.start_defined(name);
  }
  // A persistent definition on this node is the administrator's: it is kept
  // (VirtualDomain undefines it), and libvirt decides whether the transient
  // start may proceed beside it.
  if (st.exists && st.persistent)
    log::warning("domain " + name + " is defined persistently on this node; starting it from " +
                 c.config_path + " without undefining it (set persistent=true to manage the definition)");
  return hv.create_transient(xml);
}

}  // namespace

ActionResult start(Context& ctx) {
  if (auto s = check_node_local(ctx.cfg()); !s) return {ocf::rc_for_error(s.error()), s.error().message};
  const std::string& name = ctx.cfg().domain->name;
  if (std::string caveat = config_caveat(ctx.cfg()); !caveat.empty()) log::warning(caveat);
  auto hv = ctx.hv();
  if (!hv) return failed("cannot reach libvirt", hv.error());
  auto st = (*hv)->state(name);
  if (!st) return failed("cannot read the state of " + name, st.error());
  if (st->active) {
    log::info("domain " + name + " is already active");
  } else if (auto s = launch(ctx, **hv, *st); !s) {
    return failed("cannot start " + name, s.error());
  }
  virt::HaPolicy policy = ctx.cfg().policy;
  if (auto w = write_ha_policy(**hv, name, policy, ctx.cfg().persistent); !w)
    return failed("cannot record the HA policy in " + name + "'s metadata", w.error());
  auto now = (*hv)->state(name);
  if (!now) return failed("cannot confirm that " + name + " runs", now.error());
  if (!now->active) return {ocf::Rc::kErrGeneric, "domain " + name + " is not active after start"};
  ctx.remember_running(name);
  update_utilization(ctx, *now);
  ctx.write_state("checked", "");
  return {ocf::Rc::kSuccess, "domain " + name + " started"};
}

}  // namespace vmha::vm
