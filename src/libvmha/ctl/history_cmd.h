// `vmhactl history`: the event journal vmha-eventd keeps, newest first.
#pragma once

#include <string>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::ctl {

// args after "history"; returns the rendered output or an error naming the
// bad option. Reads the journal read-only.
Result<std::string> history(const std::vector<std::string>& args);
std::string history_usage();

}  // namespace vmha::ctl
