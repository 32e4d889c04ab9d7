#include "libvmha/ipmi/power_device.h"

#include <string.h>

#include "libvmha/ipmi/ping.h"

namespace vmha::ipmi {

IpmiPowerDevice::~IpmiPowerDevice() {
  explicit_bzero(params_.password.data(), params_.password.size());
}

Result<Session*> IpmiPowerDevice::session() {
  if (!session_) {
    // Once a run: a BMC that answered once is worth a whole login_timeout
    // on a later hiccup.
    if (!pinged_ && params_.reach_timeout.count() > 0) {
      VMHA_TRY(ping(params_.host, params_.port, params_.reach_timeout, kPingInterval));
    }
    pinged_ = true;
    auto s = Session::open(params_);
    if (!s) return s.error();
    session_.emplace(std::move(*s));
  }
  return &*session_;
}

Result<fence::PowerState> IpmiPowerDevice::status() {
  auto s = session();
  if (!s) return s.error();
  auto on = (*s)->power_is_on();
  if (!on) {
    session_.reset();
    return on.error();
  }
  return *on ? fence::PowerState::kOn : fence::PowerState::kOff;
}

Status IpmiPowerDevice::control(ChassisControl c) {
  auto s = session();
  if (!s) return s.error();
  auto r = (*s)->chassis_control(c);
  if (!r) session_.reset();
  return r;
}

Result<std::vector<fence::Outlet>> IpmiPowerDevice::list() {
  VMHA_TRY(monitor());
  return std::vector<fence::Outlet>{};
}

Status IpmiPowerDevice::monitor() {
  auto s = status();
  if (!s) return s.error();
  return ok_status();
}

}  // namespace vmha::ipmi
