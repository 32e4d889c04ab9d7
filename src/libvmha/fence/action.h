// The fence-agents actions.
#pragma once

#include <optional>
#include <string_view>

namespace vmha::fence {

enum class Action {
  kOn,
  kOff,
  kReboot,
  kStatus,
  kMonitor,
  kList,
  kListStatus,
  kMetadata,
  kValidateAll
};

// Case-insensitive; accepts the OCF spelling "meta-data" and the fabric
// aliases "enable"/"disable" (on/off), as fence-agents do.
std::optional<Action> parse_action(std::string_view s);
std::string_view action_name(Action a);

// Whether the action fences or reads one target (and so needs plug/port).
bool targets_one_host(Action a);

}  // namespace vmha::fence
