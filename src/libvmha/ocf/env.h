// The environment an OCF agent is called with, behind a lookup function so
// that tests can supply their own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vmha::ocf {

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

EnvLookup process_env();
EnvLookup map_env(std::map<std::string, std::string> vars);

// What Pacemaker tells an agent about the call, beyond the parameters.
struct CallInfo {
  std::string action;
  std::string resource;       // OCF_RESOURCE_INSTANCE, clone suffix removed
  int check_level = 0;        // OCF_CHECK_LEVEL
  int64_t interval_ms = 0;    // 0 for a probe or one-off
  int64_t timeout_ms = 0;     // the operation's timeout; 0 if not given
  std::string migrate_source;
  std::string migrate_target;

  bool is_probe() const { return (action == "monitor" || action == "status") && interval_ms == 0; }
};

CallInfo read_call_info(std::string action, const EnvLookup& env);

}  // namespace vmha::ocf
