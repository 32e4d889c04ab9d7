// QMP commands to one domain's QEMU, built and read as JSON values. In
// production the transport is libvirt's pass-through
// (Hypervisor::qemu_monitor_command, bounded like every libvirt call); tests
// may hand in another.
#pragma once

#include <functional>
#include <string>

#include "libvmha/base/json.h"
#include "libvmha/base/result.h"
#include "libvmha/virt/hypervisor.h"

namespace vmha::virt {

class Qmp {
 public:
  // Sends one command as JSON text and returns QEMU's reply as JSON text.
  using Transport = std::function<Result<std::string>(const std::string& command)>;

  Qmp(std::string domain, Transport transport);
  // Through hv's pass-through; hv must outlive the Qmp.
  static Qmp through(Hypervisor& hv, const std::string& domain);

  const std::string& domain() const { return domain_; }

  // {"execute": command, "arguments": arguments} (arguments left out when
  // null). Returns the reply's "return" value. A QMP error reply is
  // kConflict, its message "<command> on <domain>: <QEMU's class>: <desc>";
  // kNotFound when QEMU does not know the command (CommandNotFound); an
  // unreadable reply is kInternal. Transport errors pass through.
  Result<Json> execute(const std::string& command, const Json& arguments = Json());

 private:
  std::string domain_;
  Transport transport_;
};

}  // namespace vmha::virt
