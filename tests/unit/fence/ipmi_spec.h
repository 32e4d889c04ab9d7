// The fence_vmha_ipmi spec the fence tests parse against (its real metadata).
#pragma once

#include <string_view>

#include "libvmha/fence/spec.h"

namespace vmha::embedded {
std::string_view fence_vmha_ipmi_xml();
}

namespace vmha::fence {

inline const AgentSpec& ipmi_spec() {
  static AgentSpec s = parse_agent_spec(embedded::fence_vmha_ipmi_xml()).value();
  return s;
}

}  // namespace vmha::fence
