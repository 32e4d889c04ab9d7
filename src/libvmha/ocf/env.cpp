#include "libvmha/ocf/env.h"

#include <cstdlib>

#include "libvmha/base/strings.h"

namespace vmha::ocf {

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup map_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

namespace {

int64_t int_or(const EnvLookup& env, std::string_view name, int64_t fallback) {
  auto v = env(name);
  if (!v) return fallback;
  auto n = parse_int(*v);
  return n ? *n : fallback;
}

}  // namespace

CallInfo read_call_info(std::string action, const EnvLookup& env) {
  CallInfo info;
  info.action = std::move(action);
  std::string rsc = env("OCF_RESOURCE_INSTANCE").value_or("");
  // Clone instances are called "name:N"; the CIB knows the primitive as "name".
  if (auto colon = rsc.find(':'); colon != std::string::npos) rsc.resize(colon);
  info.resource = rsc;
  // Pacemaker passes the op attribute either way depending on version.
  info.check_level = static_cast<int>(
      int_or(env, "OCF_CHECK_LEVEL", int_or(env, "OCF_RESKEY_OCF_CHECK_LEVEL", 0)));
  info.interval_ms = int_or(env, "OCF_RESKEY_CRM_meta_interval", 0);
  info.timeout_ms = int_or(env, "OCF_RESKEY_CRM_meta_timeout", 0);
  info.migrate_source = env("OCF_RESKEY_CRM_meta_migrate_source").value_or("");
  info.migrate_target = env("OCF_RESKEY_CRM_meta_migrate_target").value_or("");
  return info;
}

}  // namespace vmha::ocf
