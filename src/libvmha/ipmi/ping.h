// Whether a BMC answers at all, asked before a log-in: an RMCP presence ping
// (ASF; IPMI 2.0 requires a BMC to answer it), sent again every `interval`
// until a pong comes or `budget` passes. A dead BMC is then told apart in
// about `budget` instead of a whole login_timeout, while a BMC that is only
// slow to log in still gets all of login_timeout.
#pragma once

#include <cstdint>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::ipmi {

// Ok on the first pong; kUnreachable when none came within budget or the
// host refused the port (ICMP unreachable); kInvalidArgument when the host
// does not resolve. Returns within budget plus name resolution.
Status ping(const std::string& host, uint16_t port, Millis budget, Millis interval);

}  // namespace vmha::ipmi
