#include "libvmha/ocf/params.h"

#include <cstdlib>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"

namespace vmha::ocf {

Result<Params> Params::parse(const AgentSpec& spec, const EnvLookup& env) {
  Params out;
  for (const ParamSpec& p : spec.params) {
    Value v;
    auto given = env("OCF_RESKEY_" + p.name);
    // Pacemaker passes empty strings for parameters set to "": treat as unset.
    v.given = given.has_value() && !given->empty();
    v.text = v.given ? *given : p.default_value;
    if (p.required && !v.given)
      return make_error(Errc::kInvalidArgument, "required parameter " + p.name + " is not set");
    switch (p.type) {
      case ParamType::kInteger: {
        if (v.text.empty()) break;
        auto n = parse_int(v.text);
        if (!n)
          return make_error(Errc::kInvalidArgument,
                            "parameter " + p.name + "=" + v.text + " is not an integer");
        v.number = *n;
        break;
      }
      case ParamType::kBoolean: {
        auto b = parse_bool(v.text.empty() ? "false" : v.text);
        if (!b)
          return make_error(Errc::kInvalidArgument,
                            "parameter " + p.name + "=" + v.text + " is not a boolean (true/false)");
        v.number = *b ? 1 : 0;
        break;
      }
      case ParamType::kString: break;
    }
    out.values_.emplace(p.name, std::move(v));
  }
  return out;
}

const Params::Value& Params::at(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    log::error("internal: parameter " + std::string(name) + " is not in the metadata");
    std::abort();
  }
  return it->second;
}

const std::string& Params::str(std::string_view name) const { return at(name).text; }
int64_t Params::integer(std::string_view name) const { return at(name).number; }
bool Params::boolean(std::string_view name) const { return at(name).number != 0; }
bool Params::given(std::string_view name) const { return at(name).given; }

}  // namespace vmha::ocf
