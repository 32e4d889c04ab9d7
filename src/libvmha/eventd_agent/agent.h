// ocf:vmha:EventDaemon: starts, stops and monitors vmha-eventd on this node.
#pragma once

#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/ocf/env.h"
#include "libvmha/ocf/params.h"

namespace vmha::eventd_agent {

// The daemon's command line for the agent's parameters (without argv[0]).
std::vector<std::string> daemon_args(const ocf::Params& p);

int run_agent(int argc, char** argv, const ocf::EnvLookup& env, Clock& clock);

}  // namespace vmha::eventd_agent
