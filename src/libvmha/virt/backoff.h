// Reconnect delays: `initial`, doubling on each failure, capped at `max`;
// reset() after a success starts again from `initial`.
#pragma once

#include <algorithm>

#include "libvmha/base/clock.h"

namespace vmha::virt {

class Backoff {
 public:
  Backoff(Millis initial, Millis max) : initial_(initial), max_(std::max(initial, max)) {}

  Millis next() {
    Millis d = next_;
    next_ = std::min(max_, next_ * 2);
    return d;
  }
  void reset() { next_ = initial_; }

 private:
  Millis initial_;
  Millis max_;
  Millis next_ = initial_;
};

}  // namespace vmha::virt
