// libfreeipmi error numbers as library Errors with a message that names the
// BMC and the likely fix.
#pragma once

#include <string_view>

#include "libvmha/base/result.h"

namespace vmha::ipmi {

// `bmc` names the peer ("BMC 10.0.0.5:623"); `during_login` tells the
// session set-up apart from a command (their errors mean different things).
Error map_error(int ipmi_errnum, std::string_view bmc, bool during_login);

}  // namespace vmha::ipmi
