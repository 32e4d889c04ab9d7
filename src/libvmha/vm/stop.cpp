#include <libvirt/libvirt.h>

#include <fstream>

#include "libvmha/base/log.h"
#include "libvmha/virt/qemu_process.h"
#include "libvmha/vm/actions.h"
#include "libvmha/vm/shutdown_budget.h"

namespace vmha::vm {
namespace {

// With libvirtd silent, the guest is stopped through its QEMU process, so
// that a hung daemon does not force the cluster to fence the whole node.
ActionResult stop_without_libvirt(Context& ctx, const std::string& name, const Error& why) {
  virt::QemuProcess q = virt::find_qemu(name);
  switch (q.liveness) {
    case virt::Liveness::kNotRunning:
      ctx.forget_running();
      return {ocf::Rc::kSuccess, "libvirtd not answering (" + why.message + "); " + q.evidence};
    case virt::Liveness::kRunning: {
      log::warning("libvirtd not answering (" + why.message + "): killing QEMU pid " +
                   std::to_string(q.pid) + " of " + name);
      if (auto k = virt::kill_qemu(q, name, ctx.deadline().remaining(), ctx.clock()); !k)
        return {ocf::Rc::kErrGeneric, k.error().message};
      ctx.forget_running();
      return {ocf::Rc::kSuccess, "QEMU of " + name + " killed while libvirtd was not answering"};
    }
    case virt::Liveness::kUnknown: break;
  }
  return {ocf::Rc::kErrGeneric, "libvirtd not answering (" + why.message + ") and " + q.evidence};
}

Status save_config(virt::Hypervisor& hv, const VmConfig& c, const std::string& name) {
  auto xml = hv.xml(name, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE);
  if (!xml) return xml.error();
  std::string tmp = c.config_path + ".vmha-new";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << *xml;
    if (!f) return make_error(Errc::kIo, "cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), c.config_path.c_str()) != 0)
    return make_error(Errc::kIo, "cannot replace " + c.config_path);
  return Unit{};
}

// Polls until the domain is gone or inactive; false when the wait ran out.
Result<bool> wait_inactive(Context& ctx, virt::Hypervisor& hv, const std::string& name, Millis budget) {
  Deadline d(ctx.clock(), budget);
  while (true) {
    auto st = hv.state(name);
    if (!st && st.error().code == Errc::kNotFound) return true;
    if (!st) return st.error();
    if (!st->exists || !st->active) return true;
    if (d.expired()) return false;
    ctx.clock().sleep_for(Millis(100));
  }
}

}  // namespace

ActionResult stop(Context& ctx) {
  std::string name = ctx.domain_name();
  // Without config and without a record of a start, nothing can run here:
  // the record lives on tmpfs, so it also covers a reboot.
  if (name.empty())
    return {ocf::Rc::kSuccess, "config not readable here and nothing was started here since boot"};
  auto hv = ctx.hv();
  if (!hv) return stop_without_libvirt(ctx, name, hv.error());
  auto st = (*hv)->state(name);
  if (!st) return stop_without_libvirt(ctx, name, st.error());
  if (!st->exists || !st->active) {
    ctx.forget_running();
    return {ocf::Rc::kSuccess, "domain " + name + " is not running"};
  }
  const VmConfig& c = ctx.cfg();
  // vmha-eventd reads this marker to tell our shutdown from the guest's own.
  ctx.write_state("stopping", "1");
  if (c.save_config_on_stop) {
    if (auto s = save_config(**hv, c, name); !s) log::warning("save_config_on_stop: " + s.error().message);
  }
  if (!c.snapshot_dir.empty()) {
    std::string path = c.snapshot_dir + "/" + name + ".state";
    (*hv)->set_call_timeout(ctx.deadline().remaining());
    if (auto s = (*hv)->save(name, path); s) {
      ctx.forget_running();
      return {ocf::Rc::kSuccess, "domain " + name + " saved to " + path};
    } else {
      log::warning("cannot save " + name + " to " + path + " (" + s.error().message + "); shutting it down");
    }
    (*hv)->set_call_timeout(c.libvirt_timeout);
  }
  if (!c.force_stop) {
    Millis budget = shutdown_budget(ctx);
    if (auto s = (*hv)->shutdown(name); !s) {
      log::warning("graceful shutdown of " + name + " refused: " + s.error().message);
    } else {
      auto done = wait_inactive(ctx, **hv, name, budget);
      if (!done) return stop_without_libvirt(ctx, name, done.error());
      if (*done) {
        ctx.forget_running();
        return {ocf::Rc::kSuccess, "domain " + name + " shut down"};
      }
      log::warning("domain " + name + " did not shut down within " + std::to_string(budget.count()) +
                   " ms; destroying it");
    }
  }
  if (auto d = (*hv)->destroy(name); !d) {
    auto again = (*hv)->state(name);
    if (!again) return stop_without_libvirt(ctx, name, again.error());
    if (again->exists && again->active) return {ocf::Rc::kErrGeneric, d.error().message};
  }
  auto gone = wait_inactive(ctx, **hv, name, std::min(Millis(5000), ctx.deadline().remaining()));
  if (!gone) return stop_without_libvirt(ctx, name, gone.error());
  if (!*gone) return {ocf::Rc::kErrGeneric, "domain " + name + " still active after destroy"};
  ctx.forget_running();
  return {ocf::Rc::kSuccess, "domain " + name + " destroyed"};
}

}  // namespace vmha::vm
