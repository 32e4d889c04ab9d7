// vmhactl — the operator's command line. Sub-commands: history.
#include <cstdio>
#include <string>
#include <vector>

#include "libvmha/ctl/history_cmd.h"

namespace {

constexpr const char* kUsage =
    "usage: vmhactl COMMAND [OPTIONS]\n"
    "commands:\n"
    "  history   the event journal of this node's vmha-eventd, newest first\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "history") {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
      std::fputs(vmha::ctl::history_usage().c_str(), stdout);
      return 0;
    }
    auto out = vmha::ctl::history(args);
    if (!out) {
      std::fprintf(stderr, "vmhactl history: %s\n", out.error().message.c_str());
      return out.error().code == vmha::Errc::kInvalidArgument ? 2 : 1;
    }
    std::fputs(out->c_str(), stdout);
    return 0;
  }
  std::fprintf(stderr, "vmhactl: unknown command '%s'\n%s", cmd.c_str(), kUsage);
  return 2;
}
