// OCF 1.1 exit codes and the mapping from library errors to them.
#pragma once

#include "libvmha/base/result.h"

namespace vmha::ocf {

enum class Rc : int {
  kSuccess = 0,
  kErrGeneric = 1,
  kErrArgs = 2,           // configuration not valid on this node
  kErrUnimplemented = 3,  // unknown action
  kErrPerm = 4,
  kErrInstalled = 5,      // software or file missing on this node
  kErrConfigured = 6,     // configuration invalid everywhere
  kNotRunning = 7,
  kDegraded = 190,
};

const char* rc_name(Rc rc);

// How a library error surfaces when an action cannot complete. Timeouts and
// unreachable daemons are generic errors: never "not running".
Rc rc_for_error(const Error& e);

}  // namespace vmha::ocf
