#include "libvmha/vm/agent.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string_view>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/ocf/exit_code.h"
#include "libvmha/ocf/params.h"
#include "libvmha/vm/actions.h"

namespace vmha::embedded {
std::string_view VirtualMachine_xml();
}

namespace vmha::vm {
namespace {

constexpr const char* kUsage =
    "usage: VirtualMachine {start|stop|monitor|status|validate-all|meta-data|reload|"
    "migrate_to|migrate_from}\n"
    "Parameters come from OCF_RESKEY_* environment variables; see meta-data.\n";

int finish(ocf::Rc rc, const std::string& reason) {
  if (rc == ocf::Rc::kSuccess) {
    log::info(reason);
  } else {
    // stderr gets exactly one line, the exit reason Pacemaker shows; the
    // log gets the detail.
    log::set_stderr(false);
    log::write(rc == ocf::Rc::kNotRunning ? log::Level::kInfo : log::Level::kError,
               reason + " (" + ocf::rc_name(rc) + ")");
    std::fprintf(stderr, "ocf-exit-reason:%s\n", reason.c_str());
  }
  return static_cast<int>(rc);
}

Millis op_budget(const ocf::AgentSpec& spec, const ocf::CallInfo& call) {
  if (call.timeout_ms > 0) return Millis(call.timeout_ms);
  std::string action = call.action == "status" ? "monitor" : call.action;
  for (const auto& a : spec.actions)
    if (a.name == action)
      if (auto ms = parse_duration_ms(a.timeout)) return Millis(*ms);
  return Millis(20'000);
}

std::string run_dir(const ocf::EnvLookup& env) {
  // Tests point this elsewhere; real nodes keep it on /run (tmpfs).
  return env("VMHA_RUN_DIR").value_or("/run/vmha");
}

std::string record_path(const std::string& dir, const ocf::CallInfo& call, const char* suffix) {
  return dir + "/VirtualMachine/" + call.resource + "." + suffix;
}

std::optional<std::string> recorded(const std::string& dir, const ocf::CallInfo& call,
                                    const char* suffix) {
  std::ifstream f(record_path(dir, call, suffix));
  std::string line;
  if (!f || !std::getline(f, line) || line.empty()) return std::nullopt;
  return line;
}

// Only a record that does not exist proves nothing was started here; one
// that cannot be read (EACCES, EIO) or is empty proves nothing.
bool surely_absent(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) != 0 && errno == ENOENT;
}

// Stops the domain recorded at start, on the hypervisor recorded with it:
// what the current parameters name may be another (or nothing).
ActionResult stop_recorded(const ocf::AgentSpec& spec, const ocf::CallInfo& call, Clock& clock,
                           const std::string& dir, const std::string& uri) {
  VmConfig cfg;
  cfg.uri = uri;
  cfg.policy.resource = call.resource;
  Context ctx(std::move(cfg), call, clock, op_budget(spec, call), dir);
  return stop(ctx);
}

// A stop with parameters that no longer parse must never report a guest
// stopped while it may run. Nothing started here: success. Started here:
// the domain and hypervisor recorded at start are enough to stop it
// (shutdown, then destroy), which spares the node a fence; without that
// record the cluster must escalate.
int bad_parameters(const ocf::AgentSpec& spec, const ocf::CallInfo& call, const ocf::EnvLookup& env,
                   Clock& clock, const Error& e) {
  if (call.action != "stop") return finish(ocf::rc_for_error(e), e.message);
  std::string dir = run_dir(env);
  auto name = recorded(dir, call, "domain");
  if (!name && surely_absent(record_path(dir, call, "domain")))
    return finish(ocf::Rc::kSuccess, e.message + "; nothing was started here, so stop succeeds");
  if (!name)
    return finish(ocf::rc_for_error(e), e.message + "; the record of the domain started here (" +
                                            record_path(dir, call, "domain") + ") cannot be read");
  auto uri = recorded(dir, call, "uri");
  if (!uri)
    return finish(ocf::rc_for_error(e), e.message + "; domain " + *name +
                                            " was started here, on a hypervisor not recorded");
  ActionResult r = stop_recorded(spec, call, clock, dir, *uri);
  return finish(r.rc, r.reason + " (with invalid parameters: " + e.message + ")");
}

// Pacemaker may run a stop with parameters changed since the start (another
// config or hypervisor). What runs is the domain recorded at start: it is
// stopped first, so that it never keeps running beside a new instance.
std::optional<ActionResult> stop_as_started(const ocf::AgentSpec& spec, const ocf::CallInfo& call,
                                            const ocf::EnvLookup& env, Clock& clock, const VmConfig& now) {
  std::string dir = run_dir(env);
  auto name = recorded(dir, call, "domain");
  auto uri = recorded(dir, call, "uri");
  if (!name || !uri) return std::nullopt;
  bool renamed = now.domain && now.domain->name != *name;
  if (!renamed && *uri == now.uri) return std::nullopt;
  ActionResult r = stop_recorded(spec, call, clock, dir, *uri);
  r.reason = "domain " + *name + " as started on " + *uri + ": " + r.reason;
  return r;
}

}  // namespace

int run_agent(int argc, char** argv, const ocf::EnvLookup& env, Clock& clock) {
  std::string action = argc > 1 ? argv[1] : env("__OCF_ACTION").value_or("");
  ocf::CallInfo call = ocf::read_call_info(action, env);
  log::init("VirtualMachine", "VirtualMachine(" + (call.resource.empty() ? "-" : call.resource) + ")");
  if (action == "meta-data") {
    std::string_view xml = embedded::VirtualMachine_xml();
    std::fwrite(xml.data(), 1, xml.size(), stdout);
    return 0;
  }
  if (action == "usage" || action == "help" || action == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (action.empty()) {
    std::fputs(kUsage, stderr);
    return static_cast<int>(ocf::Rc::kErrArgs);
  }
  auto spec = ocf::parse_metadata(embedded::VirtualMachine_xml());
  if (!spec) return finish(ocf::Rc::kErrGeneric, "internal: " + spec.error().message);
  if (action != "status" && !spec->has_action(action))
    return finish(ocf::Rc::kErrUnimplemented, "action " + action + " is not implemented");
  auto params = ocf::Params::parse(*spec, env);
  if (!params) return bad_parameters(*spec, call, env, clock, params.error());
  auto cfg = load_config(*params, call);
  if (!cfg) return bad_parameters(*spec, call, env, clock, cfg.error());

  if (action == "stop") {
    if (auto first = stop_as_started(*spec, call, env, clock, *cfg)) {
      if (first->rc != ocf::Rc::kSuccess) return finish(first->rc, first->reason);
      log::info(first->reason);
    }
  }
  Context ctx(std::move(*cfg), call, clock, op_budget(*spec, call), run_dir(env));
  ActionResult r{ocf::Rc::kErrUnimplemented, "action " + action + " is not implemented"};
  if (action == "start") r = start(ctx);
  else if (action == "stop") r = stop(ctx);
  else if (action == "monitor" || action == "status") r = monitor(ctx);
  else if (action == "validate-all") r = validate(ctx);
  else if (action == "reload") r = reload(ctx);
  else if (action == "migrate_to") r = migrate_to(ctx);
  else if (action == "migrate_from") r = migrate_from(ctx);
  return finish(r.rc, r.reason);
}

}  // namespace vmha::vm
