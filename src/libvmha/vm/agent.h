// The VirtualMachine OCF agent as a whole: reads the action and environment,
// runs the action, prints the exit reason, returns the OCF exit code.
#pragma once

#include "libvmha/base/clock.h"
#include "libvmha/ocf/env.h"

namespace vmha::vm {

int run_agent(int argc, char** argv, const ocf::EnvLookup& env, Clock& clock);

}  // namespace vmha::vm
