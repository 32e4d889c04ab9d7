#include "libvmha/fence/action.h"

#include <array>
#include <utility>

#include "libvmha/base/strings.h"

namespace vmha::fence {
namespace {

constexpr std::array<std::pair<Action, std::string_view>, 9> kNames{{
    {Action::kOn, "on"},
    {Action::kOff, "off"},
    {Action::kReboot, "reboot"},
    {Action::kStatus, "status"},
    {Action::kMonitor, "monitor"},
    {Action::kList, "list"},
    {Action::kListStatus, "list-status"},
    {Action::kMetadata, "metadata"},
    {Action::kValidateAll, "validate-all"},
}};

}  // namespace

std::optional<Action> parse_action(std::string_view s) {
  std::string a = to_lower(trim(s));
  if (a == "meta-data") return Action::kMetadata;
  if (a == "enable") return Action::kOn;
  if (a == "disable") return Action::kOff;
  for (const auto& [action, name] : kNames) {
    if (a == name) return action;
  }
  return std::nullopt;
}

std::string_view action_name(Action a) {
  for (const auto& [action, name] : kNames) {
    if (a == action) return name;
  }
  return "unknown";
}

bool targets_one_host(Action a) {
  return a == Action::kOn || a == Action::kOff || a == Action::kReboot || a == Action::kStatus;
}

}  // namespace vmha::fence
