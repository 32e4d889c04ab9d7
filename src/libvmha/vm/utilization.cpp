#include "libvmha/vm/utilization.h"

#include "libvmha/base/log.h"
#include "libvmha/cluster/cib.h"

namespace vmha::vm {

void update_utilization(Context& ctx, const virt::DomainState& s) {
  const VmConfig& c = ctx.cfg();
  if ((!c.autoset_cpu && !c.autoset_memory) || ctx.call().resource.empty() || !s.active) return;
  std::string cpu = std::to_string(s.vcpus);
  std::string mem = std::to_string(s.max_memory_kib / 1024);
  std::string want = (c.autoset_cpu ? "cpu=" + cpu : "") + (c.autoset_memory ? " hv_memory=" + mem : "");
  // The cached copy spares monitors a CIB round trip when nothing changed.
  if (ctx.read_state("util") == want) return;
  auto cib = cluster::Cib::connect();
  if (!cib) {
    log::info("utilization not recorded: " + cib.error().message);
    return;
  }
  const std::string& rsc = ctx.call().resource;
  bool ok = true;
  if (c.autoset_cpu) {
    auto r = cib->set(rsc, cluster::AttrSet::kUtilization, "cpu", cpu);
    if (!r) ok = false, log::warning("cannot set utilization cpu: " + r.error().message);
    else if (*r) log::info("utilization cpu=" + cpu + " written to the CIB");
  }
  if (c.autoset_memory) {
    auto r = cib->set(rsc, cluster::AttrSet::kUtilization, "hv_memory", mem);
    if (!r) ok = false, log::warning("cannot set utilization hv_memory: " + r.error().message);
    else if (*r) log::info("utilization hv_memory=" + mem + " written to the CIB");
  }
  if (ok) ctx.write_state("util", want);
}

}  // namespace vmha::vm
