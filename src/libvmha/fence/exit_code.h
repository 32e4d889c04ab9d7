// The exit codes of the fence-agents API, and the one mapping from a library
// Error to them (used by the agents' main functions only).
#pragma once

#include "libvmha/base/result.h"

namespace vmha::fence {

enum class ExitCode : int {
  kOk = 0,
  kError = 1,
  kBadArgs = 2,  // also what `status` returns for a powered-off target
  kLoginDenied = 3,
  kConnectionLost = 4,
  kTimedOut = 5,
  kStatusUnknown = 8,  // the target's state could not be read or it is unknown
};

// kInvalidArgument/kNotConfigured -> 2, kLoginDenied -> 3, kUnreachable/kIo ->
// 4, kTimeout -> 5, kNotFound -> 8, anything else -> 1.
ExitCode exit_code_for(const Error& e);

inline int to_int(ExitCode c) { return static_cast<int>(c); }

}  // namespace vmha::fence
