// The password an agent logs in with. It is never logged, echoed or put on a
// command line; a password_script runs without a shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/fence/options.h"

namespace vmha::fence {

// Splits like a shell would for simple words: whitespace separates, single
// and double quotes group, a backslash escapes the next character. No
// expansion of any kind. Unbalanced quotes are an error.
Result<std::vector<std::string>> split_command_line(std::string_view line);

// Runs argv[0] (looked up in PATH) with stdin from /dev/null and returns its
// stdout with trailing whitespace removed. Killed (by its PID) and reported
// as kTimeout when it outlives `timeout`; a non-zero exit is kNotConfigured.
Result<std::string> run_password_script(const std::vector<std::string>& argv, Millis timeout);

// password= when given, else the output of password_script=; kNotConfigured
// when neither is set.
Result<std::string> resolve_password(const Options& options, Millis timeout);

}  // namespace vmha::fence
