// What the agent needs to know from a domain's XML definition.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::virt {

struct DiskSource {
  std::string target;    // e.g. "vda"
  std::string alias;     // libvirt's device alias in a live definition, e.g. "virtio-disk0"
  std::string type;      // file | block | network | volume
  std::string path;      // file or block device
  std::string protocol;  // for network disks, e.g. "nbd"
  std::string host;      // network host, if TCP
  int port = 0;
  std::string socket;    // network unix socket, if any
};

struct DomainConfig {
  std::string name;
  std::string uuid;
  std::string type;  // qemu | kvm
  std::vector<DiskSource> disks;
  bool has_guest_agent = false;
};

Result<DomainConfig> parse_domain_xml(std::string_view xml);

// xml with <uuid> set to uuid (added after <name> when absent), so that a
// config without one can redefine or start beside an existing definition.
Result<std::string> with_uuid(std::string_view xml, const std::string& uuid);

}  // namespace vmha::virt
