// How long stop waits for a graceful shutdown before it destroys the guest.
#pragma once

#include "libvmha/vm/context.h"

namespace vmha::vm {

// shutdown_timeout when set (never past the operation's deadline); otherwise
// two thirds of what is left of the stop operation, so that the rest is
// enough for destroy and the report.
Millis shutdown_budget(const Context& ctx);

}  // namespace vmha::vm
