// Which host an action is aimed at: plug= (or port=). Pacemaker's fencer
// sets it itself, from pcmk_host_map or the node's name. nodename= is not a
// target: fence-agents ignore it unless an agent declares it, and these do
// not.
#pragma once

#include <optional>
#include <string>

#include "libvmha/fence/options.h"

namespace vmha::fence {

// nullopt when no plug/port is given.
std::optional<std::string> resolve_target(const Options& options);

}  // namespace vmha::fence
