// What the generic fence driver needs from a device (a BMC, a set of sbd
// disks). Every call is bounded by the device's own timeouts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::fence {

enum class PowerState { kOn, kOff };

struct Outlet {
  std::string id;
  std::string alias;
  std::optional<PowerState> state;  // nullopt: the device cannot tell
};

class PowerDevice {
 public:
  virtual ~PowerDevice() = default;
  // The target's state; kNotFound when the device does not know it.
  virtual Result<PowerState> status() = 0;
  // Requests only: the driver confirms them through status().
  virtual Status power_on() = 0;
  virtual Status power_off() = 0;
  // method=cycle: one request that turns the target off and on again.
  virtual Status power_cycle() = 0;
  // The targets the device can fence; empty when it serves a single host.
  virtual Result<std::vector<Outlet>> list() = 0;
  // The device answers and the configuration is usable.
  virtual Status monitor() = 0;
};

}  // namespace vmha::fence
