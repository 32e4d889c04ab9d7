// One IPMI LAN session over libfreeipmi (RMCP+ or IPMI 1.5). Each call,
// the log-in included, gives up after params.timeout. Move-only; closes the
// session on destruction.
#pragma once

#include <memory>

#include "libvmha/base/result.h"
#include "libvmha/ipmi/params.h"

struct ipmi_ctx;

namespace vmha::ipmi {

enum class ChassisControl : uint8_t { kPowerDown = 0, kPowerUp = 1, kPowerCycle = 2, kHardReset = 3 };

class Session {
 public:
  // The password is wiped from `params` memory here once libfreeipmi holds it.
  static Result<Session> open(SessionParams params);

  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  ~Session();

  Result<bool> power_is_on();
  Status chassis_control(ChassisControl c);

 private:
  struct CtxFree {
    void operator()(ipmi_ctx* ctx) const;
  };
  Session(std::unique_ptr<ipmi_ctx, CtxFree> ctx, std::string bmc)
      : ctx_(std::move(ctx)), bmc_(std::move(bmc)) {}

  std::unique_ptr<ipmi_ctx, CtxFree> ctx_;
  std::string bmc_;
};

}  // namespace vmha::ipmi
