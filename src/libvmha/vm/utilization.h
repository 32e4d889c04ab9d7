// Utilization attributes cpu and hv_memory from the domain, written to the
// CIB only when they differ from what this node last wrote.
#pragma once

#include "libvmha/virt/hypervisor.h"
#include "libvmha/vm/context.h"

namespace vmha::vm {

// Never fails the action: a cluster that cannot be reached is logged.
void update_utilization(Context& ctx, const virt::DomainState& s);

}  // namespace vmha::vm
