// Whether a domain keeps running: a resume "works" even when its storage
// still fails (the guest pauses again at its next request), so a resumed
// guest is watched for a moment before it counts as running.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/virt/condition.h"
#include "libvmha/virt/hypervisor.h"

namespace vmha::vm {

// Polls the domain's state every 100 ms for settle (each read bounded like
// every libvirt call): true when it was running at every read. Otherwise
// false, with the condition it was found in (kUnknown when libvirt did not
// answer) in *seen when given.
bool stays_running(Clock& clock, virt::Hypervisor& hv, const std::string& name, Millis settle,
                   virt::Condition* seen = nullptr);

}  // namespace vmha::vm
