// When a node must fence itself (XCP-ng's table, seeds 002/003): a poison
// pill in its slot always; storage lost but quorate: stay up; storage and
// quorum both lost for longer than the watchdog timeout: fence.
#pragma once

#include <optional>

#include "libvmha/base/clock.h"

namespace vmha::policy {

enum class Pill { kNone, kTest, kReset, kOff, kClear, kOther };

struct NodeView {
  Pill pill = Pill::kNone;
  bool disk_reachable = true;      // the pill disk(s) answer
  Millis disk_lost_for{0};         // how long they have not
  bool quorate = true;
  Millis quorum_lost_for{0};
  Millis watchdog_timeout{5000};
};

enum class FenceDecision { kNone, kReset, kOff };

// A pill is the cluster's own fencing request: honoured even in
// maintenance, or a fence agent would report a success that did not happen.
FenceDecision decide_self_fence(const NodeView& v);

}  // namespace vmha::policy
