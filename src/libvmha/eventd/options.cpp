#include "libvmha/eventd/options.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>

#include "libvmha/base/strings.h"

namespace vmha::eventd {
namespace {

using Setter = std::function<Status(Options&, const std::string&)>;

Setter text(std::string Options::*field) {
  return [field](Options& o, const std::string& v) -> Status {
    o.*field = v;
    return Unit{};
  };
}

Setter list(std::vector<std::string> Options::*field) {
  return [field](Options& o, const std::string& v) -> Status {
    (o.*field).push_back(v);
    return Unit{};
  };
}

Setter duration(Millis Options::*field) {
  return [field](Options& o, const std::string& v) -> Status {
    auto ms = parse_duration_ms(v);
    if (!ms || *ms <= 0) return make_error(Errc::kInvalidArgument, "not a positive duration: " + v);
    o.*field = Millis(*ms);
    return Unit{};
  };
}

// Bounded above too: a value that wrapped when narrowed would turn
// retention into "delete everything".
Setter count(int Options::*field, int64_t max = std::numeric_limits<int>::max()) {
  return [field, max](Options& o, const std::string& v) -> Status {
    auto n = parse_int(v);
    if (!n || *n <= 0) return make_error(Errc::kInvalidArgument, "not a positive number: " + v);
    if (*n > max) return make_error(Errc::kInvalidArgument, v + " is above the limit " + std::to_string(max));
    o.*field = static_cast<int>(*n);
    return Unit{};
  };
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> m = {
      {"node", text(&Options::node)},
      {"uri", text(&Options::uri)},
      {"run-dir", text(&Options::run_dir)},
      {"journal", text(&Options::journal)},
      {"journal-max-rows", count(&Options::journal_max_rows)},
      {"journal-max-days", count(&Options::journal_max_days, 36500)},
      {"isolation",
       [](Options& o, const std::string& v) -> Status {
         if (v == "pause") o.isolation = policy::IsolationResponse::kPause;
         else if (v == "none") o.isolation = policy::IsolationResponse::kNone;
         else return make_error(Errc::kInvalidArgument, "isolation must be pause or none, not " + v);
         return Unit{};
       }},
      {"libvirt-grace", duration(&Options::libvirt_grace)},
      {"heartbeat-path", list(&Options::heartbeat_paths)},
      {"heartbeat-interval", duration(&Options::heartbeat_interval)},
      {"heartbeat-timeout", duration(&Options::heartbeat_timeout)},
      {"yellow-after",
       [](Options& o, const std::string& v) -> Status {
         auto n = parse_int(v);
         if (!n || *n <= 0 || *n > std::numeric_limits<int>::max())
           return make_error(Errc::kInvalidArgument, "yellow-after must be a positive number");
         o.thresholds.yellow_after = static_cast<int>(*n);
         return Unit{};
       }},
      {"red-after",
       [](Options& o, const std::string& v) -> Status {
         auto n = parse_int(v);
         if (!n || *n <= 0 || *n > std::numeric_limits<int>::max())
           return make_error(Errc::kInvalidArgument, "red-after must be a positive number");
         o.thresholds.red_after = static_cast<int>(*n);
         return Unit{};
       }},
      {"pill-device", list(&Options::pill_devices)},
      {"pill-interval", duration(&Options::pill_interval)},
      {"watchdog-timeout", duration(&Options::watchdog_timeout)},
      {"self-fence",
       [](Options& o, const std::string& v) -> Status {
         if (v != "watchdog" && v != "command")
           return make_error(Errc::kInvalidArgument, "self-fence must be watchdog or command, not " + v);
         o.self_fence = v;
         return Unit{};
       }},
      {"self-fence-arg", list(&Options::self_fence_command)},
      {"maintenance-poll", duration(&Options::maintenance_poll)},
      {"pidfile", text(&Options::pidfile)},
  };
  return m;
}

}  // namespace

Result<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--debug") {
      o.debug = true;
      continue;
    }
    if (!a.starts_with("--")) return make_error(Errc::kInvalidArgument, "unexpected argument " + a);
    std::string key = a.substr(2), value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return make_error(Errc::kInvalidArgument, "option --" + key + " needs a value");
    }
    auto it = setters().find(key);
    if (it == setters().end()) return make_error(Errc::kInvalidArgument, "unknown option --" + key);
    if (auto s = it->second(o, value); !s)
      return make_error(Errc::kInvalidArgument, "--" + key + ": " + s.error().message);
  }
  if (o.thresholds.red_after < o.thresholds.yellow_after)
    return make_error(Errc::kInvalidArgument, "red-after must not be below yellow-after");
  if (o.self_fence == "command" && o.self_fence_command.empty())
    return make_error(Errc::kInvalidArgument, "self-fence=command needs --self-fence-arg (one per argument)");
  return o;
}

std::string usage() {
  std::string u = "usage: vmha-eventd [--debug]";
  for (const auto& [k, s] : setters()) u += " [--" + k + " VALUE]";
  return u + "\n";
}

}  // namespace vmha::eventd
