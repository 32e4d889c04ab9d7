// vmha-eventd — see src/libvmha/eventd/daemon.h.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "libvmha/base/log.h"
#include "libvmha/eventd/daemon.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(vmha::eventd::usage().c_str(), stdout);
    return 0;
  }
  auto opt = vmha::eventd::parse_options(args);
  if (!opt) {
    std::fprintf(stderr, "vmha-eventd: %s\n%s", opt.error().message.c_str(),
                 vmha::eventd::usage().c_str());
    return 2;
  }
  vmha::log::init("vmha-eventd");
  vmha::log::set_debug(opt->debug);
  vmha::log::set_timestamps(true);
  // Block before any thread starts so that only the loop's signalfd sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that closed early (a query client, a pipe) is an error to
  // handle where it happens, never a reason for the daemon to die.
  signal(SIGPIPE, SIG_IGN);
  vmha::eventd::Daemon daemon(std::move(*opt));
  auto s = daemon.run();
  if (!s) {
    vmha::log::error(s.error().message);
    std::fflush(stderr);
    _exit(1);
  }
  std::fflush(stderr);
  // Workers may be waiting on a hung peer: do not wait for them.
  _exit(0);
}
