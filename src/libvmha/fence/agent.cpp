#include "libvmha/fence/agent.h"

#include <iterator>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/fence/spec.h"
#include "libvmha/fence/target.h"

namespace vmha::fence {
namespace {

void print_usage(const AgentSpec& spec, std::ostream& out) {
  out << "Usage: " << spec.name << " [options]  (or key=value lines on stdin)\nOptions:\n";
  for (const ParamSpec& p : spec.params) {
    if (p.deprecated) continue;
    std::string flag = p.short_opt != 0 ? std::string("-") + p.short_opt + ", " : "    ";
    flag += "--" + p.long_opt + (p.type == ParamType::kBoolean ? "" : "=VALUE");
    out << "   " << flag << std::string(flag.size() < 34 ? 34 - flag.size() : 1, ' ') << p.shortdesc
        << '\n';
  }
}

Result<Args> read_args(const std::vector<std::string>& argv, std::istream& in,
                       const AgentSpec& spec) {
  if (!argv.empty()) return parse_command_line(argv, spec);
  std::string text(std::istreambuf_iterator<char>(in), {});
  return parse_stdin_text(text, spec);
}

Result<DriverTiming> timing_of(const Options& o) {
  DriverTiming t;
  auto wait = o.seconds("power_wait");
  auto timeout = o.seconds("power_timeout");
  auto sleep = o.seconds("stonith_status_sleep");
  if (!wait) return wait.error();
  if (!timeout) return timeout.error();
  t.power_wait = *wait;
  t.power_timeout = *timeout;
  if (sleep) t.status_sleep = *sleep;
  return t;
}

}  // namespace

Result<int> run_agent(const AgentDef& def, const std::vector<std::string>& argv, std::istream& in,
                      std::ostream& out, Clock& clock) {
  auto spec = parse_agent_spec(def.metadata_xml);
  if (!spec) return spec.error();
  auto args = read_args(argv, in, *spec);
  if (!args) return args.error();
  Options options(*spec, std::move(*args));
  log::set_debug(options.flag("verbose"));
  if (options.flag("quiet")) log::set_stderr(false);
  for (const std::string& w : options.args().warnings) log::warning(w);

  if (options.flag("help")) {
    print_usage(*spec, out);
    return 0;
  }
  if (options.flag("version")) {
    out << spec->name << ' ' << VMHA_VERSION << '\n';
    return 0;
  }
  std::string action_text = options.get_or("action", "reboot");
  auto action = parse_action(action_text);
  if (!action) {
    return make_error(Errc::kInvalidArgument, "unknown action '" + action_text + "': use one of " +
                                                  join(spec->actions, ", "));
  }
  if (*action == Action::kMetadata) {
    out << def.metadata_xml;
    return 0;
  }

  std::vector<std::string> problems = options.problems();
  if (def.extra_problems) {
    for (std::string& p : def.extra_problems(options, *action)) problems.push_back(std::move(p));
  }
  std::optional<std::string> target = resolve_target(options);
  if (def.needs_target && targets_one_host(*action) && !target) {
    problems.push_back("no target: set plug (or port); Pacemaker sets it from pcmk_host_map");
  }
  auto timing = timing_of(options);
  if (!timing && problems.empty()) problems.push_back(timing.error().message);
  if (!problems.empty()) return make_error(Errc::kInvalidArgument, join(problems, "; "));
  if (*action == Action::kValidateAll) {
    log::info("configuration is valid");
    return 0;
  }

  if (*action == Action::kOff || *action == Action::kReboot) {
    auto delay = options.seconds("delay");
    if (delay && delay->count() > 0) {
      log::info("waiting delay=" + std::to_string(delay->count()) + " ms before fencing");
      clock.sleep_for(*delay);
    }
  }
  auto device = def.make_device(options, target, clock);
  if (!device) return device.error();
  Method method =
      to_lower(options.get_or("method", "onoff")) == "cycle" ? Method::kCycle : Method::kOnOff;
  return run_action(*action, method, *timing, **device, clock, out);
}

}  // namespace vmha::fence
