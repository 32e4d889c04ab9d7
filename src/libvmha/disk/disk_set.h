// One to three sbd devices used together, as sbd uses them: a message counts
// once a majority of the configured devices took it (written and read back),
// and a read needs a majority of devices answering and agreeing. Devices
// that fail are logged as warnings and left out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/disk/sbd_disk.h"

namespace vmha::disk {

struct NodeMessage {
  std::string node;
  std::optional<uint8_t> command;  // nullopt: the devices disagree
};

class DiskSet {
 public:
  // Fails (with the first device's error) unless a majority of paths open.
  static Result<DiskSet> open(const std::vector<std::string>& paths, Millis io_timeout);

  size_t configured() const { return configured_; }
  size_t majority() const { return configured_ / 2 + 1; }
  // The longest msgwait among the open devices.
  Millis msgwait() const;

  // Writes `command` from `sender` into the node's mailbox on every device,
  // allocating its slot where needed, then waits msgwait on `clock`: by then
  // a node whose sbd watches its slot has acted (there is no acknowledgement).
  Status send(const std::string& node, Command command, const std::string& sender, Clock& clock);
  // The command in the node's mailbox on a majority; kNotFound when a
  // majority has no slot for it or the devices disagree.
  Result<uint8_t> read_command(const std::string& node);
  // Every node with a slot on a majority of devices, in slot order.
  Result<std::vector<NodeMessage>> list();

 private:
  DiskSet(std::vector<SbdDisk> disks, size_t configured)
      : disks_(std::move(disks)), configured_(configured) {}
  Status enough(size_t ok, const std::vector<Error>& failures, const std::string& what) const;

  std::vector<SbdDisk> disks_;
  size_t configured_;
};

}  // namespace vmha::disk
