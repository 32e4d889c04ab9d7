// Which host an action is aimed at, the way Pacemaker's fencer hands it over:
// plug= (or port=) when given, else nodename= translated through
// pcmk_host_map when the map names it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "libvmha/base/result.h"
#include "libvmha/fence/options.h"

namespace vmha::fence {

// "node1:port1;node2:port2" (also ',' or spaces between entries, '=' for ':').
Result<std::map<std::string, std::string>> parse_host_map(std::string_view map);

// nullopt when neither plug/port nor nodename is given.
Result<std::optional<std::string>> resolve_target(const Options& options);

}  // namespace vmha::fence
