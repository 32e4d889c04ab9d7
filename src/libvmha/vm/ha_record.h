// Keeps the HA policy (and the paused-since time) in the domain's libvirt
// metadata, where vmha-eventd reads it.
#pragma once

#include <string>

#include "libvmha/base/result.h"
#include "libvmha/virt/ha_metadata.h"
#include "libvmha/virt/hypervisor.h"

namespace vmha::vm {

// The recorded policy, or nullopt when the domain has none.
Result<std::optional<virt::HaPolicy>> read_ha_policy(virt::Hypervisor& hv, const std::string& name);
Status write_ha_policy(virt::Hypervisor& hv, const std::string& name, const virt::HaPolicy& p,
                       bool persistent);

}  // namespace vmha::vm
