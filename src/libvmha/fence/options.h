// Typed, validated access to an agent's arguments: a value given, else the
// default from the metadata. Durations are in milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/fence/args.h"
#include "libvmha/fence/spec.h"

namespace vmha::fence {

// fence-agents seconds: "2", "0.5", also "1500ms"; nullopt when unreadable.
std::optional<int64_t> parse_seconds_ms(std::string_view s);

class Options {
 public:
  // The spec must outlive the Options.
  Options(const AgentSpec& spec, Args args) : spec_(&spec), args_(std::move(args)) {}

  const Args& args() const { return args_; }
  const AgentSpec& spec() const { return *spec_; }
  bool given(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string fallback) const;
  bool flag(std::string_view name) const;
  Result<int64_t> integer(std::string_view name) const;
  Result<Millis> seconds(std::string_view name) const;
  void set(std::string name, std::string value) {
    args_.values[std::move(name)] = std::move(value);
  }

  // Every problem with types, choices and required parameters; empty if none.
  std::vector<std::string> problems() const;

 private:
  const AgentSpec* spec_;
  Args args_;
};

}  // namespace vmha::fence
