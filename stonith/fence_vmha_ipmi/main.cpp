// fence_vmha_ipmi: fences a host through its BMC (IPMI over LAN).
#include <iostream>

#include "libvmha/base/log.h"
#include "libvmha/fence/exit_code.h"
#include "libvmha/ipmi/agent.h"

int main(int argc, char** argv) {
  vmha::log::init("fence_vmha_ipmi");
  std::vector<std::string> args(argv + 1, argv + argc);
  auto r = vmha::fence::run_agent(vmha::ipmi::ipmi_agent(), args, std::cin, std::cout,
                                  vmha::system_clock());
  if (r) return *r;
  vmha::log::error("Failed: " + r.error().message);
  return vmha::fence::to_int(vmha::fence::exit_code_for(r.error()));
}
