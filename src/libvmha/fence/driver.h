// The fence-agents semantics of each action over a PowerDevice: requests are
// confirmed by polling status until power_timeout, after waiting power_wait.
// Lines for the caller (e.g. "Status: ON") go to `out`.
#pragma once

#include <ostream>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/fence/action.h"
#include "libvmha/fence/power_device.h"

namespace vmha::fence {

enum class Method { kOnOff, kCycle };

struct DriverTiming {
  Millis power_wait{0};          // after each on/off/cycle request
  Millis power_timeout{20'000};  // for the state to be confirmed
  Millis status_sleep{1'000};    // the longest pause between confirming status calls
};

// The pause before confirming status call number n + 1 (n from 0): 25 ms,
// doubling up to status_sleep. A target that switches at once is confirmed
// within tens of milliseconds, and one that takes seconds is asked at most
// once per status_sleep after its first second. Calls never overlap, so a
// slow device sets its own pace.
Millis status_pause(int n, Millis status_sleep);

// Returns the exit code for a completed action (0; 2 for `status` of an off
// target); an Error when the action failed. kTimeout when the state change
// was not confirmed within power_timeout (unconfirmed_change: exit 6/7).
Result<int> run_action(Action action, Method method, const DriverTiming& timing,
                       PowerDevice& device, Clock& clock, std::ostream& out);

}  // namespace vmha::fence
