#include "libvmha/disk/sbd_disk.h"

#include "libvmha/base/log.h"

namespace vmha::disk {

Result<SbdDisk> SbdDisk::open(const std::string& path, Millis io_timeout) {
  auto dev = BlockDevice::open(path, io_timeout);
  if (!dev) return dev.error();
  return load(*dev);
}

Result<SbdDisk> SbdDisk::load(BlockDevice& dev) {
  const std::string& path = dev.path();
  auto sector = dev.read(0, dev.sector_size());
  if (!sector) return sector.error();
  auto header = decode_header(*sector, path);
  if (!header) return header.error();
  if (header->sector_size != dev.sector_size()) {
    return make_error(Errc::kInternal, path + "'s sbd header says sector size " +
                                           std::to_string(header->sector_size) +
                                           " but the device has " +
                                           std::to_string(dev.sector_size()) +
                                           ": it was created on another device; recreate it "
                                           "with `sbd create`");
  }
  log::debug(path + ": " + describe_header(*header));
  return SbdDisk(std::move(dev), *header);
}

Result<std::vector<Slot>> SbdDisk::slots() {
  size_t ss = header_.sector_size;
  auto area = dev_.read(ss, 2 * header_.slots * ss);
  if (!area) return area.error();
  std::vector<Slot> out;
  for (unsigned i = 0; i < header_.slots; ++i) {
    uint64_t rel = (name_sector(i) - 1) * ss;
    std::span<const uint8_t> bytes(*area);
    SlotName n = decode_slot_name(bytes.subspan(rel, ss));
    if (n.in_use) out.push_back({i, n.name, decode_mailbox(bytes.subspan(rel + ss, ss))});
  }
  return out;
}

Result<std::optional<unsigned>> SbdDisk::find(const std::string& name) {
  auto all = slots();
  if (!all) return all.error();
  for (const Slot& s : *all) {
    if (s.name == name) return std::optional<unsigned>(s.index);
  }
  return std::optional<unsigned>();
}

Result<unsigned> SbdDisk::find_or_allocate(const std::string& name) {
  if (name.empty() || name.size() > kNameMax) {
    return make_error(Errc::kInvalidArgument, "node name '" + name + "' must have 1 to " +
                                                  std::to_string(kNameMax) + " characters");
  }
  auto all = slots();
  if (!all) return all.error();
  std::vector<bool> used(header_.slots, false);
  for (const Slot& s : *all) {
    if (s.name == name) return s.index;
    used[s.index] = true;
  }
  for (unsigned i = 0; i < header_.slots; ++i) {
    if (used[i]) continue;
    std::vector<uint8_t> sector(header_.sector_size);
    VMHA_TRY(encode_slot_name({true, name}, sector));
    VMHA_TRY(write_verified(name_sector(i), sector, "slot " + std::to_string(i) + " for " + name));
    return i;
  }
  return make_error(Errc::kConflict, path() + " has no free slot for " + name + ": all " +
                                         std::to_string(header_.slots) + " are in use");
}

Result<Mailbox> SbdDisk::read_mailbox(unsigned slot) {
  size_t ss = header_.sector_size;
  auto sector = dev_.read(mailbox_sector(slot) * ss, ss);
  if (!sector) return sector.error();
  return decode_mailbox(*sector);
}

Status SbdDisk::write_mailbox(unsigned slot, const Mailbox& m) {
  std::vector<uint8_t> sector(header_.sector_size);
  VMHA_TRY(encode_mailbox(m, sector));
  return write_verified(mailbox_sector(slot), sector, "mailbox of slot " + std::to_string(slot));
}

Status SbdDisk::write_verified(uint64_t sector, const std::vector<uint8_t>& bytes,
                               const std::string& what) {
  uint64_t offset = sector * header_.sector_size;
  VMHA_TRY(dev_.write(offset, bytes));
  auto back = dev_.read(offset, bytes.size());
  if (!back) return back.error();
  if (*back != bytes) {
    return make_error(Errc::kIo, path() + ": " + what +
                                     " read back differently after writing "
                                     "(another writer, or a failing disk)");
  }
  return ok_status();
}

}  // namespace vmha::disk
