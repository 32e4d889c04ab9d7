// Whether something accepts a stream connection, within a bound. The
// connection is closed at once: this only probes.
#pragma once

#include <sys/socket.h>

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha {

// kTimeout when nothing answers within timeout, kUnreachable when refused;
// `what` names the peer in the error.
Status try_connect(int family, const sockaddr* addr, socklen_t len, Millis timeout,
                   const std::string& what);

// The same for a unix socket path (kInvalidArgument when it is too long).
Status try_connect_unix(const std::string& path, Millis timeout, const std::string& what);

}  // namespace vmha
