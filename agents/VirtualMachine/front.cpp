// ocf:vmha:VirtualMachine's entry point. A routine monitor of a running
// guest is answered from vmha-eventd's event stream over its local socket,
// so the monitor loads no libvirt (most of a libvirt client's cost is
// loading the library). Everything else — other actions, deeper checks,
// a guest that is not plainly running, no daemon, a daemon that does not
// know — runs the full agent beside this file, with the same arguments and
// environment. The full agent also runs every kFullEvery, so utilization
// and the other checks stay current. Deliberately depends on libc alone.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr const char* kFullAgent = ".VirtualMachine-libvirt";
constexpr time_t kFullEvery = 300;  // seconds between full monitors
constexpr int kAskTimeoutMs = 1000;

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

[[noreturn]] void run_full(char** argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string full = kFullAgent;
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    full = dir.substr(0, dir.rfind('/') + 1) + kFullAgent;
  }
  argv[0] = const_cast<char*>(full.c_str());
  execv(full.c_str(), argv);
  std::fprintf(stderr, "ocf-exit-reason:cannot run %s: %s\n", full.c_str(), std::strerror(errno));
  std::exit(5);  // OCF_ERR_INSTALLED
}

bool read_line(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return false;
  char buf[512];
  bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  if (!ok) return false;
  *out = buf;
  while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
  return !out->empty();
}

// The daemon's one-line answer, or "" when it cannot be asked in time.
std::string ask(const std::string& socket_path, const std::string& request) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof a.sun_path) return "";
  std::memcpy(a.sun_path, socket_path.c_str(), socket_path.size() + 1);
  std::string reply;
  // A unix socket connects at once or not at all; reads are bounded by poll.
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[256];
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, kAskTimeoutMs) == 1) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      reply.append(buf, static_cast<size_t>(n));
      if (reply.find('\n') != std::string::npos) break;
    }
  }
  close(fd);
  auto nl = reply.find('\n');
  return nl == std::string::npos ? "" : reply.substr(0, nl);
}

}  // namespace

int main(int argc, char** argv) {
  std::string action = argc > 1 ? argv[1] : env("__OCF_ACTION");
  std::string depth = env("OCF_CHECK_LEVEL", env("OCF_RESKEY_OCF_CHECK_LEVEL", "0").c_str());
  if ((action != "monitor" && action != "status") || depth != "0") run_full(argv);
  std::string rsc = env("OCF_RESOURCE_INSTANCE");
  rsc = rsc.substr(0, rsc.find(':'));
  if (rsc.empty()) run_full(argv);
  std::string state = env("VMHA_RUN_DIR", "/run/vmha");
  std::string prefix = state + "/VirtualMachine/" + rsc + ".";
  std::string domain;
  struct stat st;
  // Only a guest this node's agent started, checked in full recently, and
  // not in the middle of an I/O-error pause (whose bookkeeping is the full
  // agent's) is answered here.
  if (!read_line(prefix + "domain", &domain) || access((prefix + "paused").c_str(), F_OK) == 0 ||
      stat((prefix + "checked").c_str(), &st) != 0 || time(nullptr) - st.st_mtime > kFullEvery)
    run_full(argv);
  std::string uri = env("OCF_RESKEY_hypervisor", "qemu:///system");
  if (ask(state + "/eventd.sock", "state " + uri + " " + domain + "\n") != "running") run_full(argv);
  std::fprintf(stderr, "VirtualMachine(%s)[%d]: INFO: domain %s is running (per vmha-eventd)\n",
               rsc.c_str(), static_cast<int>(getpid()), domain.c_str());
  return 0;
}
