// fence_vmha_ipmi: its metadata, the checks beyond the metadata's types, and
// how its options (named as fence_ipmilan's) become a BMC session.
#pragma once

#include "libvmha/fence/agent.h"
#include "libvmha/ipmi/params.h"

namespace vmha::ipmi {

fence::AgentDef ipmi_agent();

// The session parameters the options describe, password excluded.
Result<SessionParams> session_params(const fence::Options& options,
                                     const std::optional<std::string>& target);

}  // namespace vmha::ipmi
