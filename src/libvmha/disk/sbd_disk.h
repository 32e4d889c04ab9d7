// One sbd-formatted device: its header, slots and mailboxes. Writes are
// re-read to verify, as sbd does. Every I/O is bounded by the device's I/O
// timeout (see BlockDevice).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/result.h"
#include "libvmha/disk/block_device.h"
#include "libvmha/disk/layout.h"

namespace vmha::disk {

struct Slot {
  unsigned index = 0;
  std::string name;
  Mailbox mailbox;
};

class SbdDisk {
 public:
  // Opens the device and checks its header (magic, version, sector size).
  static Result<SbdDisk> open(const std::string& path, Millis io_timeout);
  // The same on a device already open; `dev` is taken only on success, so a
  // caller can keep a device whose header read is stuck instead of opening
  // it again (and piling up stuck threads).
  static Result<SbdDisk> load(BlockDevice& dev);

  const std::string& path() const { return dev_.path(); }
  const Header& header() const { return header_; }

  // The slots in use with their mailboxes, in slot order; one I/O for the
  // whole slot area.
  Result<std::vector<Slot>> slots();
  Result<std::optional<unsigned>> find(const std::string& name);
  // The node's slot, taking the first free one when it has none.
  Result<unsigned> find_or_allocate(const std::string& name);

  Result<Mailbox> read_mailbox(unsigned slot);
  Status write_mailbox(unsigned slot, const Mailbox& m);

 private:
  SbdDisk(BlockDevice dev, Header h) : dev_(std::move(dev)), header_(h) {}
  Status write_verified(uint64_t sector, const std::vector<uint8_t>& bytes,
                        const std::string& what);

  BlockDevice dev_;
  Header header_;
};

}  // namespace vmha::disk
