// Reads an agent's OCF metadata XML (the one source of truth) into the
// parameter and action descriptions the parser and tests use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::ocf {

enum class ParamType { kString, kInteger, kBoolean };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::string default_value;
  bool required = false;
  bool unique = false;
};

struct ActionSpec {
  std::string name;
  std::string timeout;
  std::string interval;
  std::string depth;
};

struct AgentSpec {
  std::string name;
  std::vector<ParamSpec> params;
  std::vector<ActionSpec> actions;

  const ParamSpec* find_param(std::string_view name) const;
  bool has_action(std::string_view name) const;
};

Result<AgentSpec> parse_metadata(std::string_view xml);

}  // namespace vmha::ocf
