// The VirtualMachine agent's actions. Each returns the OCF result and one
// line saying why; none throws or exits.
#pragma once

#include "libvmha/vm/context.h"

namespace vmha::vm {

ActionResult start(Context& ctx);
ActionResult stop(Context& ctx);
ActionResult monitor(Context& ctx);
ActionResult validate(Context& ctx);
ActionResult reload(Context& ctx);
ActionResult migrate_to(Context& ctx);
ActionResult migrate_from(Context& ctx);

// The target hypervisor's URI, built from the parameters as VirtualDomain
// does: qemu:///system, transport tcp, user u, suffix -mig, target n2 gives
// qemu+tcp://u@n2-mig/system; remoteuri (with %n) overrides.
std::string remote_uri(const VmConfig& c, const std::string& target);

}  // namespace vmha::vm
