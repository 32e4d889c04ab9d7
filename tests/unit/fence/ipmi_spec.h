// The fence_vmha_ipmi spec the fence tests parse against (its real metadata).
#pragma once

#include "embedded_metadata.h"
#include "libvmha/fence/spec.h"

namespace vmha::fence {

inline const AgentSpec& ipmi_spec() {
  static AgentSpec s = parse_agent_spec(embedded::fence_vmha_ipmi_xml()).value();
  return s;
}

}  // namespace vmha::fence
