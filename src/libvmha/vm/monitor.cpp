#include <libvirt/libvirt.h>

#include "libvmha/base/connect.h"
#include "libvmha/base/log.h"
#include "libvmha/cluster/cib.h"
#include "libvmha/policy/vm_state.h"
#include "libvmha/virt/condition.h"
#include "libvmha/vm/actions.h"
#include "libvmha/vm/deep_check.h"
#include "libvmha/vm/ha_record.h"
#include "libvmha/vm/settle.h"
#include "libvmha/vm/utilization.h"

namespace vmha::vm {
namespace {

policy::Observation base_observation(const Context& ctx) {
  policy::Observation o;
  o.resume = ctx.cfg().policy.resume;
  o.kill_paused_after_s = ctx.cfg().policy.kill_paused_after_s;
  o.guest_shutdown = ctx.cfg().policy.guest_shutdown;
  return o;
}

ActionResult daemon_silent(Context& ctx, const std::string& name, const Error& e) {
  policy::Observation o = base_observation(ctx);
  o.daemon_answered = false;
  o.daemon_problem = e.message;
  virt::QemuProcess q = virt::find_qemu(name);
  o.qemu = q.liveness;
  log::info(q.evidence);
  auto v = policy::assess(o);
  return {v.rc, v.reason};
}

// Paused on an I/O error: how long, per the time recorded in the domain's
// metadata (recorded now if this is the first time anyone saw it).
int64_t paused_for(Context& ctx, virt::Hypervisor& hv, const std::string& name) {
  int64_t now = ctx.clock().wall_seconds();
  auto rec = read_ha_policy(hv, name);
  virt::HaPolicy p = ctx.cfg().policy;
  ctx.write_state("paused", "1");
  if (rec && *rec && (*rec)->paused_since > 0) return now - (*rec)->paused_since;
  // Wall time has whole seconds: the pause is recorded as starting at the
  // next one, so the kill deadline can come up to a second late, never early.
  p.paused_since = now + 1;
  if (auto w = write_ha_policy(hv, name, p, false); !w)
    log::warning("cannot record the pause time: " + w.error().message);
  return 0;
}

// Only after this agent saw the pause: spares every healthy monitor a call.
void clear_paused_since(Context& ctx, virt::Hypervisor& hv, const std::string& name) {
  if (!ctx.read_state("paused")) return;
  ctx.clear_state("paused");
  auto rec = read_ha_policy(hv, name);
  if (!rec || !*rec || (*rec)->paused_since == 0) return;
  virt::HaPolicy p = **rec;
  p.paused_since = 0;
  (void)write_ha_policy(hv, name, p, false);
}

// vmha-eventd listens on this node: a unix socket accepts or refuses at
// once, whether or not anyone then reads.
bool eventd_listens(const Context& ctx) {
  return bool(try_connect_unix(ctx.run_dir() + "/eventd.sock", Millis(1000), "vmha-eventd"));
}

ActionResult follow_up(Context& ctx, virt::Hypervisor& hv, const std::string& name,
                       const policy::Verdict& v) {
  switch (v.followup) {
    case policy::Followup::kNone: break;
    case policy::Followup::kTryResume: {
      // With vmha-eventd here, resuming is its call: it knows what a monitor
      // cannot (the storage heartbeat, a quorum loss during the pause, after
      // which the guest is never resumed).
      if (eventd_listens(ctx)) return {v.rc, v.reason + "; vmha-eventd decides when to resume it"};
      if (!hv.resume(name)) break;
      if (!stays_running(ctx.clock(), hv, name, Millis(1000)))
        return {v.rc, v.reason + "; resumed, but it paused again"};
      clear_paused_since(ctx, hv, name);
      return {ocf::Rc::kSuccess, "resumed after an I/O error pause"};
    }
    case policy::Followup::kDestroy:
      if (auto d = hv.destroy(name); !d)
        return {ocf::Rc::kErrGeneric, v.reason + ", but destroy failed: " + d.error().message};
      break;
    case policy::Followup::kMarkStopped: {
      const std::string& rsc = ctx.call().resource;
      auto cib = cluster::Cib::connect();
      auto r = cib ? cib->set(rsc, cluster::AttrSet::kMeta, "target-role", "Stopped")
                   : Result<bool>(cib.error());
      if (!r) log::error("cannot set target-role=Stopped for " + rsc + ": " + r.error().message);
      else log::info("target-role=Stopped set for " + rsc);
      break;
    }
  }
  return {v.rc, v.reason};
}

}  // namespace

ActionResult monitor(Context& ctx) {
  std::string name = ctx.domain_name();
  if (name.empty()) {
    if (ctx.call().is_probe()) return {ocf::Rc::kNotRunning, "config not present on this node"};
    return {ocf::Rc::kErrArgs, "config " + ctx.cfg().config_path + " is not readable on this node"};
  }
  auto hv = ctx.hv();
  if (!hv) return daemon_silent(ctx, name, hv.error());
  auto st = (*hv)->state(name);
  if (!st) {
    if (st.error().code == Errc::kTimeout || st.error().code == Errc::kUnreachable)
      return daemon_silent(ctx, name, st.error());
    return {ocf::Rc::kErrGeneric, st.error().message};
  }
  policy::Observation o = base_observation(ctx);
  o.condition = st->exists ? virt::classify(st->state, st->reason) : virt::Condition::kAbsent;
  o.condition_text = st->exists ? virt::describe(st->state, st->reason) : "absent";
  o.started_here = ctx.read_state("domain").has_value();
  if (o.condition == virt::Condition::kPausedIoError) o.paused_for_s = paused_for(ctx, **hv, name);
  auto v = policy::assess(o);
  ActionResult r = follow_up(ctx, **hv, name, v);
  if (r.rc != ocf::Rc::kSuccess) {
    if (r.rc == ocf::Rc::kNotRunning) ctx.forget_running();
    return r;
  }
  if (o.condition == virt::Condition::kRunning) clear_paused_since(ctx, **hv, name);
  if (ctx.call().check_level >= 10) {
    auto live = (*hv)->xml(name, 0);
    auto dom = live ? virt::parse_domain_xml(*live) : Result<virt::DomainConfig>(live.error());
    if (!dom) return {ocf::Rc::kErrGeneric, "cannot read the live definition: " + dom.error().message};
    // Every failure here is 1, a timeout too, unlike a timeout of the state
    // read above (190): libvirtd has just answered, so what does not answer
    // is this guest's QEMU (or its disk), and a restart is what recovers
    // it; stop kills QEMU by PID should libvirt not answer by then.
    if (auto d = deep_check(**hv, *dom, ctx.call().check_level, ctx.cfg().libvirt_timeout); !d)
      return {ocf::Rc::kErrGeneric, "depth " + std::to_string(ctx.call().check_level) +
                                        " check failed: " + d.error().message};
  }
  update_utilization(ctx, *st);
  // The entry point answers routine monitors from vmha-eventd while this
  // full check is recent (see agents/VirtualMachine/front.cpp).
  ctx.write_state("checked", "");
  return r;
}

}  // namespace vmha::vm
