// fence_vmha_disk: fences a node through its mailbox on shared sbd disks.
#include <iostream>

#include "libvmha/base/log.h"
#include "libvmha/disk/agent.h"
#include "libvmha/fence/exit_code.h"

int main(int argc, char** argv) {
  vmha::log::init("fence_vmha_disk");
  std::vector<std::string> args(argv + 1, argv + argc);
  auto r = vmha::fence::run_agent(vmha::disk::disk_agent(), args, std::cin, std::cout,
                                  vmha::system_clock());
  if (r) return *r;
  vmha::log::error("Failed: " + r.error().message);
  return vmha::fence::to_int(vmha::fence::exit_code_for(r.error()));
}
