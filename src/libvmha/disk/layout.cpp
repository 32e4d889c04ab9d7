#include "libvmha/disk/layout.h"

#include <algorithm>
#include <cstring>

namespace vmha::disk {
namespace {

constexpr std::array<std::string_view, 6> kCommandNames{"clear", "test", "reset",
                                                        "off",   "exit", "crashdump"};

std::string read_name(std::span<const uint8_t> b, size_t at) {
  const char* p = reinterpret_cast<const char*>(b.data() + at);
  return std::string(p, strnlen(p, std::min(kNameField, b.size() - at)));
}

Status write_name(std::span<uint8_t> b, size_t at, std::string_view name) {
  if (name.size() > kNameMax) {
    return make_error(Errc::kInvalidArgument, "name '" + std::string(name) + "' is longer than " +
                                                  std::to_string(kNameMax) + " characters");
  }
  std::fill(b.begin() + static_cast<ptrdiff_t>(at),
            b.begin() + static_cast<ptrdiff_t>(at + kNameField), 0);
  std::memcpy(b.data() + at, name.data(), name.size());
  return ok_status();
}

uint32_t byteswap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

bool plausible_sector_size(uint32_t s) { return s >= 512 && s <= 65536 && (s & (s - 1)) == 0; }

}  // namespace

uint32_t get_be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | static_cast<uint32_t>(b[at + 3]);
}

void put_be32(std::span<uint8_t> b, size_t at, uint32_t v) {
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

Result<Header> decode_header(std::span<const uint8_t> s, std::string_view where_view) {
  std::string where(where_view);
  if (s.size() < kHeaderBytes)
    return make_error(Errc::kInternal, where + ": header sector too short");
  if (std::memcmp(s.data(), kMagic.data(), kMagic.size()) != 0) {
    return make_error(Errc::kInternal, where +
                                           " has no sbd header (magic SBD_SBD_ missing): "
                                           "initialise it with `sbd -d " +
                                           where + " create` or fix devices=");
  }
  Header h;
  h.version = s[8];
  h.slots = s[9];
  h.sector_size = get_be32(s, 12);
  h.timeout_watchdog = get_be32(s, 16);
  h.timeout_allocate = get_be32(s, 20);
  h.timeout_loop = get_be32(s, 24);
  h.timeout_msgwait = get_be32(s, 28);
  h.minor_version = s[32];
  std::memcpy(h.uuid.data(), s.data() + 33, h.uuid.size());
  if (h.version != kVersion) {
    return make_error(Errc::kInternal, where + " has sbd header version " +
                                           std::to_string(h.version) + ", only version " +
                                           std::to_string(kVersion) + " is understood");
  }
  if (!plausible_sector_size(h.sector_size)) {
    bool swapped = plausible_sector_size(byteswap32(h.sector_size));
    return make_error(Errc::kInternal,
                      where + "'s sbd header has sector size " + std::to_string(h.sector_size) +
                          (swapped ? ": its integers are little-endian, so a foreign tool wrote "
                                     "it; recreate it with `sbd create`"
                                   : ": the header is corrupt; recreate it with `sbd create`"));
  }
  if (h.slots == 0) return make_error(Errc::kInternal, where + "'s sbd header declares no slots");
  return h;
}

std::string describe_header(const Header& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (size_t i = 0; i < h.uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
    uuid += kHex[h.uuid[i] >> 4];
    uuid += kHex[h.uuid[i] & 0xF];
  }
  return "sbd header version " + std::to_string(h.version) + "." +
         std::to_string(h.minor_version) + ", UUID " + uuid + ", " + std::to_string(h.slots) +
         " slots, sector size " + std::to_string(h.sector_size) + ", timeouts watchdog " +
         std::to_string(h.timeout_watchdog) + ", allocate " + std::to_string(h.timeout_allocate) +
         ", loop " + std::to_string(h.timeout_loop) + ", msgwait " +
         std::to_string(h.timeout_msgwait);
}

void encode_header(const Header& h, std::span<uint8_t> s) {
  std::fill(s.begin(), s.end(), 0);
  std::memcpy(s.data(), kMagic.data(), kMagic.size());
  s[8] = h.version;
  s[9] = h.slots;
  put_be32(s, 12, h.sector_size);
  put_be32(s, 16, h.timeout_watchdog);
  put_be32(s, 20, h.timeout_allocate);
  put_be32(s, 24, h.timeout_loop);
  put_be32(s, 28, h.timeout_msgwait);
  s[32] = h.minor_version;
  std::memcpy(s.data() + 33, h.uuid.data(), h.uuid.size());
}

SlotName decode_slot_name(std::span<const uint8_t> s) { return {s[0] != 0, read_name(s, 1)}; }

Status encode_slot_name(const SlotName& n, std::span<uint8_t> s) {
  std::fill(s.begin(), s.end(), 0);
  s[0] = n.in_use ? 1 : 0;
  return write_name(s, 1, n.name);
}

Mailbox decode_mailbox(std::span<const uint8_t> s) { return {s[0], read_name(s, 1)}; }

Status encode_mailbox(const Mailbox& m, std::span<uint8_t> s) {
  std::fill(s.begin(), s.end(), 0);
  s[0] = m.command;
  return write_name(s, 1, m.from);
}

std::optional<Command> parse_command(std::string_view s) {
  for (size_t i = 0; i < kCommandNames.size(); ++i) {
    if (kCommandNames[i] == s) return static_cast<Command>(i);
  }
  return std::nullopt;
}

std::string command_name(uint8_t command) {
  if (command < kCommandNames.size()) return std::string(kCommandNames[command]);
  return "unknown(" + std::to_string(command) + ")";
}

}  // namespace vmha::disk
