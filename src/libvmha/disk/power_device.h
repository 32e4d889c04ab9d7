// A node's slot on a set of sbd devices as a fence::PowerDevice. Its state is
// read the way fence_sbd reads it: "clear" is on, "reset" and "off" are off,
// anything else (or no slot) is unknown. Requests wait msgwait on the clock.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/disk/disk_set.h"
#include "libvmha/fence/power_device.h"

namespace vmha::disk {

class DiskPowerDevice : public fence::PowerDevice {
 public:
  // `node` may be empty for list and monitor; `clock` must outlive the device.
  DiskPowerDevice(DiskSet disks, std::string node, std::string sender, Clock& clock)
      : disks_(std::move(disks)),
        node_(std::move(node)),
        sender_(std::move(sender)),
        clock_(&clock) {}

  Result<fence::PowerState> status() override;
  Status power_on() override { return send(Command::kClear); }
  Status power_off() override { return send(Command::kOff); }
  Status power_cycle() override { return send(Command::kReset); }
  Result<std::vector<fence::Outlet>> list() override;
  Status monitor() override;

 private:
  Status send(Command c);

  DiskSet disks_;
  std::string node_;
  std::string sender_;
  Clock* clock_;
};

// fence_sbd's reading of a mailbox command; nullopt for "unknown".
std::optional<fence::PowerState> state_of(uint8_t command);

}  // namespace vmha::disk
