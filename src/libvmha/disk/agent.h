// fence_vmha_disk: its metadata, the checks beyond the metadata's types, and
// how devices= (fence_sbd's option) becomes a set of sbd devices. All disk
// I/O of a run happens in one forked child (base/child_worker.h), so a
// device hung in the kernel cannot hold the agent's exit past its timeouts.
#pragma once

#include <string>
#include <vector>

#include "libvmha/fence/agent.h"

namespace vmha::disk {

fence::AgentDef disk_agent();

// devices= split on commas, blanks trimmed; kInvalidArgument unless 1 to 3.
Result<std::vector<std::string>> parse_devices(std::string_view devices);

}  // namespace vmha::disk
