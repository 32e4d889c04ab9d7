// Fence-agent arguments as fence-agents read them: with no command-line
// arguments, `key=value` lines on stdin; otherwise `--long-options` and their
// short forms. Keys are resolved through the agent's spec to canonical names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/result.h"
#include "libvmha/fence/spec.h"

namespace vmha::fence {

struct Args {
  // Canonical parameter name -> value; booleans are stored as "1" or "0".
  std::map<std::string, std::string> values;
  // Unknown keys and unusable values; they never quote a secret's value.
  std::vector<std::string> warnings;
};

// Stdin form: `#` comments and blank lines skipped, `-` and `_` alike,
// surrounding double quotes stripped, booleans 1/yes/on/true and
// 0/no/off/false.
Args parse_stdin_text(std::string_view text, const AgentSpec& spec);

// Command-line form (argv without the program name). Unknown options and
// missing values are kInvalidArgument errors naming the option.
Result<Args> parse_command_line(const std::vector<std::string>& argv, const AgentSpec& spec);

}  // namespace vmha::fence
