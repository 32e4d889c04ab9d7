#include "libvmha/fence/options.h"

#include <cmath>
#include <cstdlib>

#include "libvmha/base/strings.h"

namespace vmha::fence {

std::optional<int64_t> parse_seconds_ms(std::string_view s) {
  s = trim(s);
  if (s.find('.') == std::string_view::npos) return parse_duration_ms(s);
  std::string text(s);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0 || v > 1e9) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(v * 1000.0));
}

bool Options::given(std::string_view name) const {
  return args_.values.contains(std::string(name));
}

std::optional<std::string> Options::get(std::string_view name) const {
  auto it = args_.values.find(std::string(name));
  if (it != args_.values.end()) return it->second;
  const ParamSpec* p = spec_->canonical(name);
  if (p != nullptr && p->default_value) return p->default_value;
  return std::nullopt;
}

std::string Options::get_or(std::string_view name, std::string fallback) const {
  return get(name).value_or(std::move(fallback));
}

bool Options::flag(std::string_view name) const {
  auto v = get(name);
  return v && parse_bool(*v).value_or(false);
}

Result<int64_t> Options::integer(std::string_view name) const {
  auto v = get(name);
  if (!v) return make_error(Errc::kNotConfigured, std::string(name) + " is not set");
  auto n = parse_int(*v);
  if (!n) return make_error(Errc::kInvalidArgument, std::string(name) + " must be an integer");
  return *n;
}

Result<Millis> Options::seconds(std::string_view name) const {
  auto v = get(name);
  if (!v) return make_error(Errc::kNotConfigured, std::string(name) + " is not set");
  auto ms = parse_seconds_ms(*v);
  if (!ms) {
    return make_error(Errc::kInvalidArgument,
                      std::string(name) + " must be a time in seconds, e.g. 5 or 0.5");
  }
  return Millis(*ms);
}

std::vector<std::string> Options::problems() const {
  std::vector<std::string> out;
  for (const ParamSpec& p : spec_->params) {
    if (p.deprecated) continue;
    auto v = get(p.name);
    if (!v) {
      if (p.required) out.push_back("required parameter " + p.name + " is not set");
      continue;
    }
    // A secret's value is never quoted; its name is enough to find it.
    std::string shown = p.secret ? "" : " '" + *v + "'";
    switch (p.type) {
      case ParamType::kInteger:
        if (!parse_int(*v)) out.push_back(p.name + shown + " is not an integer");
        break;
      case ParamType::kSecond:
        if (!parse_seconds_ms(*v)) out.push_back(p.name + shown + " is not a time in seconds");
        break;
      case ParamType::kSelect: {
        bool found = false;
        for (const std::string& c : p.choices) found = found || to_lower(*v) == to_lower(c);
        if (!found) {
          out.push_back(p.name + shown + " is not one of: " + join(p.choices, ", "));
        }
        break;
      }
      case ParamType::kString:
      case ParamType::kBoolean:
        break;
    }
  }
  return out;
}

}  // namespace vmha::fence
