// fence_vmha_disk: its metadata, the checks beyond the metadata's types, and
// how devices= (fence_sbd's option) becomes a set of sbd devices.
#pragma once

#include <string>
#include <vector>

#include "libvmha/fence/agent.h"

namespace vmha::disk {

fence::AgentDef disk_agent();

// devices= split on commas, blanks trimmed; kInvalidArgument unless 1 to 3.
Result<std::vector<std::string>> parse_devices(std::string_view devices);

}  // namespace vmha::disk
