// ocf:vmha:EventDaemon — see ocf-metadata/EventDaemon.xml.
#include <unistd.h>

#include <cstdio>

#include "libvmha/eventd_agent/agent.h"

int main(int argc, char** argv) {
  int rc = vmha::eventd_agent::run_agent(argc, argv, vmha::ocf::process_env(), vmha::system_clock());
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(rc);
}
