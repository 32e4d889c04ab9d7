#include "libvmha/fence/args.h"

#include "libvmha/base/strings.h"

namespace vmha::fence {
namespace {

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// Stores a value under the canonical name; false when a boolean is unreadable.
bool store(Args& args, const AgentSpec& spec, const ParamSpec& p, std::string value) {
  const ParamSpec* target = spec.canonical(p.canonical);
  if (target == nullptr) target = &p;
  if (target->type == ParamType::kBoolean) {
    auto b = parse_bool(value);
    if (!b) return false;
    value = *b ? "1" : "0";
  }
  args.values[target->name] = std::move(value);
  return true;
}

struct Pending {
  const ParamSpec* param = nullptr;
  std::string spelled;
};

Status take_value(Args& args, const AgentSpec& spec, const Pending& p, std::string value) {
  if (!store(args, spec, *p.param, std::move(value))) {
    return make_error(Errc::kInvalidArgument,
                      "option " + p.spelled + " needs a boolean (1/0, yes/no, on/off, true/false)");
  }
  return ok_status();
}

// Handles "-abc" (flags, the last one may take the rest or the next word).
Status parse_short_cluster(Args& args, const AgentSpec& spec, std::string_view cluster,
                           Pending& pending) {
  for (size_t i = 0; i < cluster.size(); ++i) {
    const ParamSpec* p = spec.find_short(cluster[i]);
    std::string spelled = std::string("-") + cluster[i];
    if (p == nullptr) return make_error(Errc::kInvalidArgument, "unknown option " + spelled);
    if (p->type == ParamType::kBoolean) {
      VMHA_TRY(take_value(args, spec, {p, spelled}, "1"));
      continue;
    }
    std::string_view rest = cluster.substr(i + 1);
    if (!rest.empty()) return take_value(args, spec, {p, spelled}, std::string(rest));
    pending = {p, spelled};
    return ok_status();
  }
  return ok_status();
}

}  // namespace

Args parse_stdin_text(std::string_view text, const AgentSpec& spec) {
  Args args;
  for (const std::string& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    std::string key(trim(line.substr(0, eq)));
    std::string value = eq == std::string_view::npos ? "" : unquote(trim(line.substr(eq + 1)));
    // Pacemaker's own keys, skipped silently as fence-agents do: nodename
    // (the node being fenced; plug says what to act on) and pcmk_*.
    if (key == "nodename" || key.starts_with("pcmk_")) continue;
    const ParamSpec* p = spec.find(key);
    if (p == nullptr) {
      args.warnings.push_back("ignoring unknown option '" + key + "'");
      continue;
    }
    if (!store(args, spec, *p, value)) {
      args.warnings.push_back("ignoring option '" + key + "': it needs a boolean value");
    }
  }
  return args;
}

Result<Args> parse_command_line(const std::vector<std::string>& argv, const AgentSpec& spec) {
  Args args;
  Pending pending;
  std::vector<std::string> leftover;
  for (const std::string& word : argv) {
    if (pending.param != nullptr) {
      VMHA_TRY(take_value(args, spec, pending, word));
      pending = {};
      continue;
    }
    if (word.starts_with("--") && word.size() > 2) {
      size_t eq = word.find('=');
      std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const ParamSpec* p = spec.find(name);
      if (p == nullptr) return make_error(Errc::kInvalidArgument, "unknown option --" + name);
      Pending here{p, "--" + name};
      if (eq != std::string::npos) {
        VMHA_TRY(take_value(args, spec, here, word.substr(eq + 1)));
      } else if (p->type == ParamType::kBoolean) {
        VMHA_TRY(take_value(args, spec, here, "1"));
      } else {
        pending = here;
      }
    } else if (word.size() > 1 && word[0] == '-' && word != "--") {
      VMHA_TRY(parse_short_cluster(args, spec, std::string_view(word).substr(1), pending));
    } else {
      leftover.push_back(word);
    }
  }
  if (pending.param != nullptr) {
    return make_error(Errc::kInvalidArgument, "option " + pending.spelled + " needs a value");
  }
  if (!leftover.empty()) {
    args.warnings.push_back("ignoring unused arguments: " + join(leftover, " "));
  }
  return args;
}

}  // namespace vmha::fence
