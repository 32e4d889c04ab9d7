// A BMC as a fence::PowerDevice: pings it and logs in on first use, and logs
// in again after any failed command, so a poll after a BMC hiccup starts from
// a fresh session.
#pragma once

#include <optional>

#include "libvmha/fence/power_device.h"
#include "libvmha/ipmi/params.h"
#include "libvmha/ipmi/session.h"

namespace vmha::ipmi {

class IpmiPowerDevice : public fence::PowerDevice {
 public:
  explicit IpmiPowerDevice(SessionParams params) : params_(std::move(params)) {}
  ~IpmiPowerDevice() override;

  Result<fence::PowerState> status() override;
  Status power_on() override { return control(ChassisControl::kPowerUp); }
  Status power_off() override { return control(ChassisControl::kPowerDown); }
  Status power_cycle() override { return control(ChassisControl::kPowerCycle); }
  // A BMC serves one host: nothing to list once the log-in works.
  Result<std::vector<fence::Outlet>> list() override;
  Status monitor() override;

 private:
  Result<Session*> session();
  Status control(ChassisControl c);

  // A ping lost on a LAN is sent again this soon.
  static constexpr Millis kPingInterval{250};

  SessionParams params_;
  std::optional<Session> session_;
  bool pinged_ = false;
};

}  // namespace vmha::ipmi
