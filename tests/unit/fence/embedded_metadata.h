// The fence agents' metadata as embedded at build (ocf-metadata/).
#pragma once

#include <string_view>

namespace vmha::embedded {
std::string_view fence_vmha_ipmi_xml();
std::string_view fence_vmha_disk_xml();
}  // namespace vmha::embedded
