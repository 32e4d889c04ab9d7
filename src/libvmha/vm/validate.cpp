#include "libvmha/base/log.h"
#include "libvmha/vm/actions.h"
#include "libvmha/vm/ha_record.h"
#include "libvmha/vm/utilization.h"

namespace vmha::vm {

// Parameter types and values were checked when the config was loaded; what
// remains is what only this node can tell.
ActionResult validate(Context& ctx) {
  if (auto s = check_node_local(ctx.cfg()); !s) return {ocf::rc_for_error(s.error()), s.error().message};
  if (std::string caveat = config_caveat(ctx.cfg()); !caveat.empty()) log::warning(caveat);
  return {ocf::Rc::kSuccess, "parameters are valid"};
}

// Applies changed non-unique parameters to a running domain: the policy in
// its metadata and the utilization; nothing else needs the guest restarted.
ActionResult reload(Context& ctx) {
  std::string name = ctx.domain_name();
  if (name.empty()) return {ocf::Rc::kSuccess, "nothing to reload: config not readable here"};
  auto hv = ctx.hv();
  if (!hv) return {ocf::Rc::kErrGeneric, "cannot reach libvirt: " + hv.error().message};
  auto st = (*hv)->state(name);
  if (!st) return {ocf::Rc::kErrGeneric, st.error().message};
  if (!st->active) return {ocf::Rc::kSuccess, "domain " + name + " is not running; nothing to reload"};
  virt::HaPolicy p = ctx.cfg().policy;
  if (auto rec = read_ha_policy(**hv, name); rec && *rec) p.paused_since = (*rec)->paused_since;
  if (auto w = write_ha_policy(**hv, name, p, ctx.cfg().persistent); !w)
    return {ocf::Rc::kErrGeneric, "cannot record the HA policy: " + w.error().message};
  ctx.clear_state("util");
  update_utilization(ctx, *st);
  return {ocf::Rc::kSuccess, "parameters of " + name + " reloaded"};
}

}  // namespace vmha::vm
