// What this node does to itself when it must be fenced (a poison pill, or
// storage and quorum both lost). Two kinds:
//  - watchdog (real hosts): arms the kernel watchdog device with its
//    shortest timeout, then reboot(2) (RB_AUTOBOOT; RB_POWER_OFF for off).
//    If reboot(2) fails the armed watchdog still resets the host. A device
//    that is absent or is not a watchdog fails before anything is armed.
//  - command (the lab, tests): posix_spawn of a configured argv, no shell,
//    stdin from /dev/null, with VMHA_SELF_FENCE=reset|off and
//    VMHA_SELF_FENCE_REASON in its environment; waits for it to exit, up to
//    a bound (a command that outlives it keeps running and is reaped later).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/policy/self_fence.h"

namespace vmha::eventd {

class SelfFenceAction {
 public:
  enum class Kind { kWatchdog, kCommand };

  static SelfFenceAction watchdog(std::string device = "/dev/watchdog");
  // kInvalidArgument for an empty argv or an empty argv[0].
  static Result<SelfFenceAction> command(std::vector<std::string> argv,
                                         Millis wait = Millis(10000));
  // "watchdog", "watchdog:DEVICE", or "command:ARG ARG..." (blank-separated,
  // no quoting); kInvalidArgument names the spec and the accepted forms.
  static Result<SelfFenceAction> parse(std::string_view spec);

  Kind kind() const { return kind_; }
  const std::vector<std::string>& argv() const { return argv_; }
  // "watchdog /dev/watchdog" or "command /path arg..." for logs and journal.
  std::string describe() const;

  // Fences this node. With the watchdog, success does not return. kNone is
  // kInvalidArgument. The error says what failed and the fix.
  Status run(policy::FenceDecision decision, std::string_view reason) const;

 private:
  SelfFenceAction(Kind kind, std::vector<std::string> argv, Millis wait)
      : kind_(kind), argv_(std::move(argv)), wait_(wait) {}
  Status run_watchdog(policy::FenceDecision decision) const;
  Status run_command(policy::FenceDecision decision, std::string_view reason) const;

  Kind kind_;
  std::vector<std::string> argv_;  // the device alone for the watchdog
  Millis wait_;
};

}  // namespace vmha::eventd
