#include "libvmha/policy/self_fence.h"

#include <algorithm>

namespace vmha::policy {

FenceDecision decide_self_fence(const NodeView& v) {
  if (v.pill == Pill::kReset) return FenceDecision::kReset;
  if (v.pill == Pill::kOff) return FenceDecision::kOff;
  if (!v.disk_reachable && !v.quorate &&
      std::min(v.disk_lost_for, v.quorum_lost_for) >= v.watchdog_timeout)
    return FenceDecision::kReset;
  return FenceDecision::kNone;
}

}  // namespace vmha::policy
