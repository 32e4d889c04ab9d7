// The poison-pill watcher: this node's mailbox on 1 to 3 sbd-layout devices,
// read the way sbd's watcher reads it. On the first read that reaches a
// device, the node's slot is found (allocated when absent) and its mailbox
// cleared, as sbd does at start. A `test` message, and a command byte sbd
// does not know, are acknowledged by clearing the mailbox, as sbd does;
// every other command stays for whoever fenced the node to see.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/disk/layout.h"
#include "libvmha/disk/sbd_disk.h"
#include "libvmha/policy/self_fence.h"

namespace vmha::disk {

// What one device said in one read.
struct MailboxReading {
  std::string path;
  std::optional<Error> error;  // the device did not answer, or is not sbd-formatted
  unsigned slot = 0;
  uint8_t command = 0;  // as found, before any acknowledgement
  std::string sender;
};

struct PillReading {
  // The most urgent command found on any device that answered (sbd acts on
  // a message on any one device); kNone when no device answered.
  policy::Pill pill = policy::Pill::kNone;
  uint8_t command = 0;  // that command's byte; command_name() words it
  std::string sender;
  std::string device;  // where it was found
  size_t readable = 0;
  size_t configured = 0;
  bool disk_ok = false;  // a majority of the configured devices answered
  std::vector<MailboxReading> devices;
};

// sbd's command byte as the self-fence policy sees it: crashdump is a
// fencing request too (this node has no dump to take: it resets); exit and
// unknown bytes fence nothing.
policy::Pill pill_of(uint8_t command);

class PillWatcher {
 public:
  // Checks the configuration only (1 to 3 paths, a 1-63 character name);
  // devices are reached by read(), so one that is absent at start counts as
  // unreadable rather than failing the start. Each I/O is bounded by
  // io_timeout, and a device whose I/O is stuck fails at once until it
  // returns.
  static Result<PillWatcher> create(std::vector<std::string> paths, std::string node,
                                    Millis io_timeout);

  // Reads the mailbox on every device. Blocks at most about three I/O
  // timeouts per device. Not thread-safe: one caller at a time.
  PillReading read();

  // The sbd header of the first device reached (its loop, watchdog and
  // msgwait timeouts); nullopt until a device has answered.
  std::optional<Header> header() const;

 private:
  struct Device {
    explicit Device(std::string p) : path(std::move(p)) {}
    std::string path;
    std::optional<BlockDevice> opened;  // kept while its header read is stuck
    std::optional<SbdDisk> disk;
    bool started = false;  // the mailbox was cleared on first contact
  };
  PillWatcher(std::vector<Device> devices, std::string node, Millis io_timeout)
      : devices_(std::move(devices)), node_(std::move(node)), io_timeout_(io_timeout) {}
  Status read_device(Device& d, MailboxReading& out);

  std::vector<Device> devices_;
  std::string node_;
  Millis io_timeout_;
};

}  // namespace vmha::disk
