#include "libvmha/vm/ha_record.h"

namespace vmha::vm {

Result<std::optional<virt::HaPolicy>> read_ha_policy(virt::Hypervisor& hv, const std::string& name) {
  using R = std::optional<virt::HaPolicy>;
  auto xml = hv.metadata(name, virt::kHaNamespace);
  if (!xml) return xml.error();
  if (!*xml) return R{};
  auto p = virt::parse_ha_policy(**xml);
  if (!p) return p.error();
  return R{std::move(*p)};
}

Status write_ha_policy(virt::Hypervisor& hv, const std::string& name, const virt::HaPolicy& p,
                       bool persistent) {
  return hv.set_metadata(name, virt::to_xml(p), virt::kHaPrefix, virt::kHaNamespace, persistent);
}

}  // namespace vmha::vm
