#include "libvmha/eventd/self_fence_action.h"

#include <fcntl.h>
#include <linux/watchdog.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libvmha/base/bounded.h"
#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"

extern char** environ;

namespace vmha::eventd {
namespace {

const char* decision_word(policy::FenceDecision d) {
  return d == policy::FenceDecision::kOff ? "off" : "reset";
}

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

SelfFenceAction SelfFenceAction::watchdog(std::string device) {
  return SelfFenceAction(Kind::kWatchdog, {std::move(device)}, Millis(0));
}

Result<SelfFenceAction> SelfFenceAction::command(std::vector<std::string> argv, Millis wait) {
  if (argv.empty() || argv.front().empty()) {
    return make_error(Errc::kInvalidArgument,
                      "the self-fence command is empty: give the program and its arguments");
  }
  return SelfFenceAction(Kind::kCommand, std::move(argv), wait);
}

Result<SelfFenceAction> SelfFenceAction::parse(std::string_view spec) {
  if (spec == "watchdog") return watchdog();
  if (spec.starts_with("watchdog:") && spec.size() > 9) {
    return watchdog(std::string(spec.substr(9)));
  }
  if (spec.starts_with("command:")) {
    std::vector<std::string> argv;
    for (std::string& a : split(spec.substr(8), ' ')) {
      if (!a.empty()) argv.push_back(std::move(a));
    }
    return command(std::move(argv));
  }
  return make_error(Errc::kInvalidArgument, "self-fence action '" + std::string(spec) +
                                                "' is not understood: use watchdog, "
                                                "watchdog:DEVICE or command:PROGRAM ARG...");
}

std::string SelfFenceAction::describe() const {
  return (kind_ == Kind::kWatchdog ? "watchdog " : "command ") + join(argv_, " ");
}

Status SelfFenceAction::run(policy::FenceDecision decision, std::string_view reason) const {
  if (decision == policy::FenceDecision::kNone) {
    return make_error(Errc::kInvalidArgument, "self-fence asked with no decision to carry out");
  }
  log::error(std::string("self-fencing (") + decision_word(decision) + ") with " + describe() +
             ": " + std::string(reason));
  return kind_ == Kind::kWatchdog ? run_watchdog(decision) : run_command(decision, reason);
}

Status SelfFenceAction::run_watchdog(policy::FenceDecision decision) const {
  const std::string& dev = argv_.front();
  struct stat st {};
  if (stat(dev.c_str(), &st) != 0) {
    int e = errno;
    Errc code = e == ENOENT ? Errc::kNotInstalled : Errc::kIo;
    return make_error(code, "cannot self-fence: watchdog " + dev + ": " + errno_text(e) +
                                ": load a watchdog driver (softdog at least) or configure "
                                "the self-fence action as a command");
  }
  if (!S_ISCHR(st.st_mode)) {
    return make_error(Errc::kInvalidArgument, "cannot self-fence: " + dev +
                                                  " is not a character device, so not a "
                                                  "watchdog: fix the watchdog device");
  }
  int fd = open(dev.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return make_error(Errc::kIo, "cannot self-fence: opening watchdog " + dev + ": " +
                                     errno_text(e) +
                                     (e == EBUSY ? " (another program, sbd or a watchdog "
                                                   "daemon, holds it)"
                                                 : ""));
  }
  watchdog_info info{};
  if (ioctl(fd, WDIOC_GETSUPPORT, &info) != 0) {
    int e = errno;
    close(fd);
    return make_error(Errc::kInvalidArgument, "cannot self-fence: " + dev +
                                                  " does not answer as a watchdog (" +
                                                  errno_text(e) + "): fix the watchdog device");
  }
  // From here on the host is fenced whatever else fails: the watchdog is
  // armed, its shortest timeout asked for, and never fed again. The
  // descriptor stays open on purpose (a close could disarm it).
  int seconds = 1;
  if (ioctl(fd, WDIOC_SETTIMEOUT, &seconds) != 0) seconds = 0;
  if (write(fd, "1", 1) != 1) log::warning("writing to watchdog " + dev + ": " + errno_text(errno));
  // sbd's default too: local filesystems flushed; a sync that hangs on dead
  // storage is cut short by the watchdog.
  ::sync();
  int how = decision == policy::FenceDecision::kOff ? RB_POWER_OFF : RB_AUTOBOOT;
  ::reboot(how);
  int e = errno;
  std::string when = seconds > 0 ? "within " + std::to_string(seconds) + " s" : "at its timeout";
  return make_error(Errc::kIo, "reboot(2) failed (" + errno_text(e) + "); watchdog " + dev +
                                   " is armed and resets the host " + when);
}

Status SelfFenceAction::run_command(policy::FenceDecision decision, std::string_view reason) const {
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    if (!starts_with(*e, "VMHA_SELF_FENCE")) env_strings.emplace_back(*e);
  }
  env_strings.push_back(std::string("VMHA_SELF_FENCE=") + decision_word(decision));
  env_strings.push_back("VMHA_SELF_FENCE_REASON=" + std::string(reason));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv_;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return make_error(rc == ENOENT ? Errc::kNotInstalled : Errc::kIo,
                      "cannot self-fence: starting " + argv_.front() + ": " + errno_text(rc) +
                          ": fix the self-fence command");
  }
  // The wait may be abandoned; its thread stays to reap the child later.
  auto status = run_bounded<int>(
      [pid]() -> Result<int> {
        int st = 0;
        while (waitpid(pid, &st, 0) < 0) {
          // A process that reaps every child itself leaves no status here.
          if (errno == ECHILD) return 0;
          if (errno != EINTR) return make_error(Errc::kInternal, "waitpid: " + errno_text(errno));
        }
        return st;
      },
      wait_, "self-fence command " + argv_.front() + " (pid " + std::to_string(pid) + ")");
  if (!status) return status.error();
  int st = *status;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return ok_status();
  std::string how = WIFEXITED(st) ? "exited " + std::to_string(WEXITSTATUS(st))
                                  : "was killed by signal " + std::to_string(WTERMSIG(st));
  return make_error(Errc::kIo, "self-fence command " + describe() + " " + how +
                                   ": the node is not fenced; fix the command");
}

}  // namespace vmha::eventd
