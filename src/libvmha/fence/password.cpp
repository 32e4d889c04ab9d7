#include "libvmha/fence/password.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "libvmha/base/strings.h"

extern char** environ;

namespace vmha::fence {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Reads all of fd until EOF or the deadline; false on timeout.
bool read_all(int fd, const Deadline& deadline, std::string& out) {
  char buf[512];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(deadline.remaining().count());
    int r = poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Waits for the child within the deadline; kills it (our own PID) if it
// lingers.
std::optional<int> reap(pid_t pid, const Deadline& deadline) {
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (deadline.expired()) break;
    usleep(2000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0)
    return make_error(Errc::kInvalidArgument, "password_script has an unclosed quote");
  if (in_word) out.push_back(std::move(word));
  return out;
}

Result<std::string> run_password_script(const std::vector<std::string>& argv, Millis timeout) {
  if (argv.empty()) return make_error(Errc::kInvalidArgument, "password_script is empty");
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    return make_error(Errc::kInternal, std::string("pipe: ") + std::strerror(errno));
  }
  Fd read_end{pipefd[0]};
  Fd write_end{pipefd[1]};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.fd, 1);
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return make_error(Errc::kNotConfigured, "password_script " + argv[0] + " cannot run: " +
                                                std::strerror(rc) + "; set an executable path");
  }
  close(write_end.fd);
  write_end.fd = -1;
  Deadline deadline(system_clock(), timeout);
  std::string out;
  bool finished = read_all(read_end.fd, deadline, out);
  auto status = reap(pid, deadline);
  if (!finished || !status) {
    return make_error(Errc::kTimeout, "password_script " + argv[0] + " did not finish within " +
                                          std::to_string(timeout.count()) + " ms");
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return make_error(Errc::kNotConfigured,
                      "password_script " + argv[0] + " failed (exit status " +
                          std::to_string(WIFEXITED(*status) ? WEXITSTATUS(*status) : -1) +
                          "); run it by hand to see why");
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

Result<std::string> resolve_password(const Options& options, Millis timeout) {
  if (auto p = options.get("password")) return *p;
  auto script = options.get("password_script");
  if (!script || trim(*script).empty()) {
    return make_error(Errc::kNotConfigured, "no password: set password or password_script");
  }
  auto argv = split_command_line(*script);
  if (!argv) return argv.error();
  return run_password_script(*argv, timeout);
}

}  // namespace vmha::fence
