// ocf:vmha:VirtualMachine — see ocf-metadata/VirtualMachine.xml.
#include <unistd.h>

#include <cstdio>

#include "libvmha/vm/agent.h"

int main(int argc, char** argv) {
  int rc = vmha::vm::run_agent(argc, argv, vmha::ocf::process_env(), vmha::system_clock());
  std::fflush(stdout);
  std::fflush(stderr);
  // _exit: a libvirt call that timed out may still block a worker thread;
  // normal exit would wait for nothing but could run destructors under it.
  _exit(rc);
}
