// What an agent accepts, read from its own metadata XML so that the XML stays
// the one source of truth for option names, aliases, types and defaults.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::fence {

enum class ParamType { kString, kBoolean, kInteger, kSecond, kSelect };

struct ParamSpec {
  std::string name;       // as in the XML, e.g. "ip" or the deprecated "ipaddr"
  std::string canonical;  // the non-deprecated name with the same long option
  std::string long_opt;   // without dashes, e.g. "ip", "password-script"
  char short_opt = 0;     // 0 when the option has no short form
  ParamType type = ParamType::kString;
  std::optional<std::string> default_value;
  std::vector<std::string> choices;  // for kSelect
  bool required = false;
  bool deprecated = false;
  // Passwords and keys: their values are never echoed in a message.
  bool secret = false;
  std::string shortdesc;
};

struct AgentSpec {
  std::string name;
  std::vector<ParamSpec> params;
  std::vector<std::string> actions;

  // Looks a key up by parameter name or long option, '-' and '_' alike.
  const ParamSpec* find(std::string_view key) const;
  const ParamSpec* find_short(char c) const;
  const ParamSpec* canonical(std::string_view name) const;
};

// Parses fence-agents style metadata (the format metadata.rng describes).
Result<AgentSpec> parse_agent_spec(std::string_view metadata_xml);

}  // namespace vmha::fence
