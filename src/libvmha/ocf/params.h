// OCF_RESKEY_* parameters, typed and checked against the agent's metadata.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "libvmha/base/result.h"
#include "libvmha/ocf/env.h"
#include "libvmha/ocf/metadata.h"

namespace vmha::ocf {

class Params {
 public:
  // Fails with kInvalidArgument naming the parameter when a required one is
  // missing or a value does not have the metadata's type.
  static Result<Params> parse(const AgentSpec& spec, const EnvLookup& env);

  // Accessors for names the metadata declares; the value is the given one or
  // the metadata default. Asking for an undeclared name is a programming bug.
  const std::string& str(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  bool boolean(std::string_view name) const;
  bool given(std::string_view name) const;

 private:
  struct Value {
    std::string text;
    int64_t number = 0;
    bool given = false;
  };
  const Value& at(std::string_view name) const;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace vmha::ocf
