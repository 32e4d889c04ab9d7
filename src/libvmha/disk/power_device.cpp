#include "libvmha/disk/power_device.h"

#include "libvmha/base/log.h"

namespace vmha::disk {

std::optional<fence::PowerState> state_of(uint8_t command) {
  switch (static_cast<Command>(command)) {
    case Command::kClear:
      return fence::PowerState::kOn;
    case Command::kReset:
    case Command::kOff:
      return fence::PowerState::kOff;
    default:
      return std::nullopt;
  }
}

Result<fence::PowerState> DiskPowerDevice::status() {
  auto c = disks_.read_command(node_);
  if (!c) return c.error();
  auto s = state_of(*c);
  if (!s) {
    return make_error(Errc::kNotFound, "node " + node_ + "'s mailbox holds '" + command_name(*c) +
                                           "', which says nothing about its power state");
  }
  return *s;
}

Status DiskPowerDevice::send(Command c) {
  log::info("writing " + command_name(static_cast<uint8_t>(c)) + " into " + node_ +
            "'s mailbox, then waiting msgwait (" + std::to_string(disks_.msgwait().count()) +
            " ms)");
  return disks_.send(node_, c, sender_, *clock_);
}

Result<std::vector<fence::Outlet>> DiskPowerDevice::list() {
  auto nodes = disks_.list();
  if (!nodes) return nodes.error();
  std::vector<fence::Outlet> out;
  for (const NodeMessage& n : *nodes) {
    std::optional<fence::PowerState> s;
    if (n.command) s = state_of(*n.command);
    out.push_back({n.node, n.node, s});
  }
  return out;
}

Status DiskPowerDevice::monitor() {
  auto nodes = disks_.list();
  if (!nodes) return nodes.error();
  return ok_status();
}

}  // namespace vmha::disk
