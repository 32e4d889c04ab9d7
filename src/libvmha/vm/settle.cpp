#include "libvmha/vm/settle.h"

namespace vmha::vm {

bool stays_running(Clock& clock, virt::Hypervisor& hv, const std::string& name, Millis settle,
                   virt::Condition* seen) {
  constexpr Millis kStep{100};
  Deadline until(clock, settle);
  for (;;) {
    auto s = hv.state(name);
    virt::Condition c = !s          ? virt::Condition::kUnknown
                        : s->exists ? virt::classify(s->state, s->reason)
                                    : virt::Condition::kAbsent;
    if (c != virt::Condition::kRunning) {
      if (seen) *seen = c;
      return false;
    }
    if (until.expired()) return true;
    clock.sleep_for(kStep);
  }
}

}  // namespace vmha::vm
