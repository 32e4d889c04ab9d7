#include "libvmha/eventd_agent/agent.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/eventd/options.h"
#include "libvmha/ocf/exit_code.h"
#include "libvmha/ocf/metadata.h"

extern char** environ;

namespace vmha::embedded {
std::string_view EventDaemon_xml();
}

namespace vmha::eventd_agent {
namespace {

using ocf::Rc;

struct Outcome {
  Rc rc;
  std::string reason;
};

int finish(const Outcome& o) {
  if (o.rc == Rc::kSuccess) {
    log::info(o.reason);
  } else {
    log::set_stderr(false);
    log::write(o.rc == Rc::kNotRunning ? log::Level::kInfo : log::Level::kError, o.reason);
    std::fprintf(stderr, "ocf-exit-reason:%s\n", o.reason.c_str());
  }
  return static_cast<int>(o.rc);
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

void make_parent_dirs(const std::string& path) {
  std::string cur;
  auto parts = split(path, '/');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) continue;
    cur += "/" + parts[i];
    mkdir(cur.c_str(), 0755);
  }
}

// The daemon's pid when it runs (its pidfile names a live vmha-eventd).
int running_pid(const std::string& pidfile) {
  std::ifstream f(pidfile);
  int pid = 0;
  if (!(f >> pid) || pid <= 0) return 0;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string st;
  std::getline(stat, st);
  auto close = st.rfind(')');
  bool zombie = close != std::string::npos && close + 2 < st.size() && st[close + 2] == 'Z';
  return (name == "vmha-eventd" && !zombie) ? pid : 0;
}

std::string tail(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (!line.empty()) last = line;
  return last;
}

Outcome start(const ocf::Params& p, Clock& clock, Millis budget) {
  const std::string& pidfile = p.str("pidfile");
  if (running_pid(pidfile)) return {Rc::kSuccess, "vmha-eventd already runs"};
  std::vector<std::string> args{p.str("binary")};
  for (auto& a : daemon_args(p)) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  make_parent_dirs(pidfile);
  std::string logfile = p.str("logfile").empty() ? "/dev/null" : p.str("logfile");
  make_parent_dirs(logfile);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session: the executor's process group must not take it along.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = 0;
  int err = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (err) return {Rc::kErrInstalled, "cannot run " + args[0] + ": " + std::strerror(err)};
  Deadline d(clock, budget);
  while (!d.expired()) {
    if (running_pid(pidfile) == pid) return {Rc::kSuccess, "vmha-eventd started (pid " + std::to_string(pid) + ")"};
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return {Rc::kErrGeneric, "vmha-eventd exited at start: " + tail(logfile)};
    clock.sleep_for(Millis(50));
  }
  kill(pid, SIGKILL);
  return {Rc::kErrGeneric, "vmha-eventd did not become ready in time: " + tail(logfile)};
}

Outcome stop(const std::string& pidfile, Clock& clock, Millis budget) {
  int pid = running_pid(pidfile);
  if (!pid) return {Rc::kSuccess, "vmha-eventd is not running"};
  kill(pid, SIGTERM);
  Deadline d(clock, budget);
  bool killed = false;
  while (running_pid(pidfile) == pid && kill(pid, 0) == 0) {
    if (d.remaining() < budget / 3 && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (d.expired()) return {Rc::kErrGeneric, "vmha-eventd pid " + std::to_string(pid) + " does not stop"};
    clock.sleep_for(Millis(50));
  }
  return {Rc::kSuccess, killed ? "vmha-eventd killed" : "vmha-eventd stopped"};
}

// Which parameter becomes which daemon option, and how: daemon_args
// builds the command line from it, in_parameter_terms tells the daemon's
// option errors back in the parameters' names.
enum class Pass { kValue, kIfSet, kEachWord };
struct OptionParam {
  const char* option;
  const char* param;
  Pass pass;
  const char* unit;  // appended to the value (kValue only)
};
constexpr OptionParam kOptions[] = {
    {"uri", "hypervisor", Pass::kValue, ""},
    {"isolation", "isolation", Pass::kValue, ""},
    {"heartbeat-interval", "heartbeat_interval", Pass::kValue, "ms"},
    {"heartbeat-timeout", "heartbeat_timeout", Pass::kValue, "ms"},
    {"yellow-after", "yellow_after", Pass::kValue, ""},
    {"red-after", "red_after", Pass::kValue, ""},
    {"pill-interval", "pill_interval", Pass::kValue, "ms"},
    {"watchdog-timeout", "watchdog_timeout", Pass::kValue, "ms"},
    {"self-fence", "self_fence", Pass::kValue, ""},
    {"libvirt-grace", "libvirt_grace", Pass::kValue, "ms"},
    {"journal", "journal", Pass::kValue, ""},
    {"journal-max-rows", "journal_max_rows", Pass::kValue, ""},
    {"journal-max-days", "journal_max_days", Pass::kValue, ""},
    {"run-dir", "run_dir", Pass::kValue, ""},
    {"pidfile", "pidfile", Pass::kValue, ""},
    {"node", "node", Pass::kIfSet, ""},
    {"heartbeat-path", "heartbeat_paths", Pass::kEachWord, ""},
    {"pill-device", "pill_devices", Pass::kEachWord, ""},
    {"self-fence-arg", "self_fence_command", Pass::kEachWord, ""},
};

// The daemon's option errors, told in the agent's parameter names: those
// are what the administrator set. An option is "--name", or a bare name
// with a hyphen ("red-after must ..."); a whole word, so "--self-fence-arg"
// is not taken for "--self-fence".
std::string in_parameter_terms(const std::string& msg) {
  auto word_char = [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '-'; };
  std::string out;
  for (size_t i = 0; i < msg.size();) {
    if (!word_char(msg[i]) || (i > 0 && word_char(msg[i - 1]))) {
      out += msg[i++];
      continue;
    }
    size_t end = i;
    while (end < msg.size() && word_char(msg[end])) ++end;
    std::string word = msg.substr(i, end - i);
    std::string name = word.starts_with("--") ? word.substr(2) : word;
    const char* param = nullptr;
    if (word.starts_with("--") || name.find('-') != std::string::npos)
      for (const auto& o : kOptions)
        if (name == o.option) param = o.param;
    out += param ? std::string(param) : word;
    i = end;
  }
  return out;
}

// Stop needs nothing but the pidfile, and must work whatever else is wrong
// with the parameters: a failed stop gets the node fenced.
std::string raw_pidfile(const ocf::AgentSpec& spec, const ocf::EnvLookup& env) {
  if (auto v = env("OCF_RESKEY_pidfile"); v && !v->empty()) return *v;
  const ocf::ParamSpec* p = spec.find_param("pidfile");
  return p ? p->default_value : "";
}

// The self-fence command must be runnable here (OCF_ERR_ARGS: it may be
// elsewhere): a node that cannot fence itself must not pretend to watch its
// pill. Found as posix_spawnp finds it. Shared paths are not checked: one
// missing or hung is an alarm the daemon reports (red), not a reason to stop
// watching, and checking could block on a hung network filesystem.
std::optional<std::string> missing_here(const ocf::Params& p, const ocf::EnvLookup& env) {
  auto cmd = words(p.str("self_fence_command"));
  if (p.str("self_fence") != "command" || cmd.empty()) return std::nullopt;
  const std::string& prog = cmd[0];
  if (prog.find('/') != std::string::npos) {
    if (access(prog.c_str(), X_OK) == 0) return std::nullopt;
  } else {
    for (const auto& dir : split(env("PATH").value_or("/usr/sbin:/usr/bin:/sbin:/bin"), ':'))
      if (!dir.empty() && access((dir + "/" + prog).c_str(), X_OK) == 0) return std::nullopt;
  }
  return "self_fence_command " + prog + " is not an executable on this node";
}

}  // namespace

std::vector<std::string> daemon_args(const ocf::Params& p) {
  std::vector<std::string> a;
  for (const auto& o : kOptions) {
    const std::string& v = p.str(o.param);
    switch (o.pass) {
      case Pass::kValue: a.push_back("--" + std::string(o.option) + "=" + v + o.unit); break;
      case Pass::kIfSet:
        if (!v.empty()) a.push_back("--" + std::string(o.option) + "=" + v);
        break;
      case Pass::kEachWord:
        for (auto& w : words(v)) a.push_back("--" + std::string(o.option) + "=" + w);
        break;
    }
  }
  return a;
}

int run_agent(int argc, char** argv, const ocf::EnvLookup& env, Clock& clock) {
  std::string action = argc > 1 ? argv[1] : env("__OCF_ACTION").value_or("");
  ocf::CallInfo call = ocf::read_call_info(action, env);
  log::init("EventDaemon", "EventDaemon(" + (call.resource.empty() ? "-" : call.resource) + ")");
  if (action == "meta-data") {
    auto xml = embedded::EventDaemon_xml();
    std::fwrite(xml.data(), 1, xml.size(), stdout);
    return 0;
  }
  auto spec = ocf::parse_metadata(embedded::EventDaemon_xml());
  if (!spec) return finish({Rc::kErrGeneric, "internal: " + spec.error().message});
  if (action.empty() || !spec->has_action(action == "status" ? "monitor" : action))
    return finish({Rc::kErrUnimplemented, "action '" + action + "' is not implemented"});
  Millis budget(call.timeout_ms > 0 ? call.timeout_ms * 9 / 10 : 20'000);
  std::optional<std::string> invalid;
  auto params = ocf::Params::parse(*spec, env);
  if (!params) invalid = params.error().message;
  else if (auto o = eventd::parse_options(daemon_args(*params)); !o)
    invalid = in_parameter_terms(o.error().message);
  if (invalid && action == "stop") {
    Outcome o = stop(raw_pidfile(*spec, env), clock, budget);
    return finish({o.rc, o.reason + " (with invalid parameters: " + *invalid + ")"});
  }
  if (invalid) return finish({Rc::kErrConfigured, *invalid});
  if (action == "monitor" || action == "status") {
    int pid = running_pid(params->str("pidfile"));
    return finish(pid ? Outcome{Rc::kSuccess, "vmha-eventd runs (pid " + std::to_string(pid) + ")"}
                      : Outcome{Rc::kNotRunning, "vmha-eventd is not running"});
  }
  if (action == "stop") return finish(stop(params->str("pidfile"), clock, budget));
  if (access(params->str("binary").c_str(), X_OK) != 0)
    return finish({Rc::kErrInstalled, params->str("binary") + " is not installed (set binary=)"});
  if (auto why = missing_here(*params, env)) return finish({Rc::kErrArgs, *why});
  if (action == "validate-all") return finish({Rc::kSuccess, "parameters are valid"});
  return finish(start(*params, clock, budget));
}

}  // namespace vmha::eventd_agent
