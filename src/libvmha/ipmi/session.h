// One IPMI LAN session over libfreeipmi (RMCP+ or IPMI 1.5). Each call,
// the log-in included, returns within params.timeout: libfreeipmi's own
// timeout overshoots, so calls run on a worker thread that is abandoned
// (kTimeout, session unusable) if it outlives the bound. Closes on destruction.
#pragma once

#include <memory>
#include <string>

#include "libvmha/base/result.h"
#include "libvmha/ipmi/params.h"

struct ipmi_ctx;

namespace vmha::ipmi {

enum class ChassisControl : uint8_t {
  kPowerDown = 0,
  kPowerUp = 1,
  kPowerCycle = 2,
  kHardReset = 3
};

class Session {
 public:
  // The password is wiped from `params` memory here once libfreeipmi holds it.
  static Result<Session> open(SessionParams params);

  Result<bool> power_is_on();
  Status chassis_control(ChassisControl c);

 private:
  // Shared with a worker thread, which may outlive an abandoned call.
  using Ctx = std::shared_ptr<ipmi_ctx>;
  Session(Ctx ctx, std::string bmc, Millis timeout)
      : ctx_(std::move(ctx)), bmc_(std::move(bmc)), timeout_(timeout) {}
  Status usable() const;

  Ctx ctx_;
  std::string bmc_;
  Millis timeout_;
  bool abandoned_ = false;
};

}  // namespace vmha::ipmi
