// The exit codes of the fence-agents API, and the one mapping from a library
// Error to them (used by the agents' main functions only).
#pragma once

#include <string>

#include "libvmha/base/result.h"
#include "libvmha/fence/power_device.h"

namespace vmha::fence {

enum class ExitCode : int {
  kOk = 0,
  kError = 1,
  kBadArgs = 2,  // also what `status` returns for a powered-off target
  kLoginDenied = 3,
  kConnectionLost = 4,
  kTimedOut = 5,
  kWaitingOn = 6,   // a power-on was requested but never confirmed
  kWaitingOff = 7,  // a power-off was requested but never confirmed
  kStatusUnknown = 8,  // the target's state could not be read or it is unknown
};

// A power change the target did not confirm within power_timeout (a
// kTimeout whose message starts with fence-agents' own words for it).
Error unconfirmed_change(PowerState want, const std::string& why);

// kInvalidArgument/kNotConfigured -> 2, kLoginDenied -> 3, kUnreachable/kIo ->
// 4, kTimeout -> 5 (an unconfirmed_change: 6 for on, 7 for off), kNotFound ->
// 8, anything else -> 1.
ExitCode exit_code_for(const Error& e);

inline int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace vmha::fence
