// The on-disk layout the sbd tool uses (sbd 1.5, header version 2.1), so that
// sbd and vmha read each other's disks. All integers are big-endian. Offsets
// are in sectors of the header's sector size: the header in sector 0, slot i's
// name in sector 1+2i, its mailbox in sector 2+2i.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libvmha/base/result.h"

namespace vmha::disk {

inline constexpr std::string_view kMagic = "SBD_SBD_";
inline constexpr uint8_t kVersion = 2;
inline constexpr uint8_t kMinorVersion = 1;
// A name field is 64 bytes and always NUL-terminated: at most 63 characters.
inline constexpr size_t kNameField = 64;
inline constexpr size_t kNameMax = kNameField - 1;
// Header bytes: magic 0-7, version 8, slots 9, sector size 12-15, timeouts
// watchdog 16, allocate 20, loop 24, msgwait 28 (u32 each), minor 32, uuid
// 33-48.
inline constexpr size_t kHeaderBytes = 49;

enum class Command : uint8_t {
  kClear = 0,
  kTest = 1,
  kReset = 2,
  kOff = 3,
  kExit = 4,
  kCrashdump = 5
};

struct Header {
  uint8_t version = kVersion;
  uint8_t slots = 255;
  uint32_t sector_size = 512;
  uint32_t timeout_watchdog = 5;  // seconds, as all timeouts here
  uint32_t timeout_allocate = 2;
  uint32_t timeout_loop = 1;
  uint32_t timeout_msgwait = 10;
  uint8_t minor_version = kMinorVersion;
  std::array<uint8_t, 16> uuid{};
};

struct SlotName {
  bool in_use = false;
  std::string name;
};

struct Mailbox {
  uint8_t command = 0;  // a Command, or an unknown value read from disk
  std::string from;
};

inline uint64_t name_sector(unsigned slot) { return 1 + 2 * static_cast<uint64_t>(slot); }
inline uint64_t mailbox_sector(unsigned slot) { return 2 + 2 * static_cast<uint64_t>(slot); }

uint32_t get_be32(std::span<const uint8_t> b, size_t at);
void put_be32(std::span<uint8_t> b, size_t at, uint32_t v);

// Checks magic and version; `where` names the device in the message. A
// header whose integers are little-endian is refused as foreign.
Result<Header> decode_header(std::span<const uint8_t> sector, std::string_view where);
// Every field, worded like `sbd dump`: "sbd header version 2.1, UUID ...,
// 255 slots, sector size 512, timeouts watchdog 5, allocate 2, loop 1,
// msgwait 10".
std::string describe_header(const Header& h);
// Writes the header into `sector` (at least kHeaderBytes), zeroing the rest.
void encode_header(const Header& h, std::span<uint8_t> sector);

SlotName decode_slot_name(std::span<const uint8_t> sector);
// Names longer than kNameMax are kInvalidArgument.
Status encode_slot_name(const SlotName& s, std::span<uint8_t> sector);
Mailbox decode_mailbox(std::span<const uint8_t> sector);
Status encode_mailbox(const Mailbox& m, std::span<uint8_t> sector);

// "clear", "test", "reset", "off", "exit", "crashdump" (sbd's words).
std::optional<Command> parse_command(std::string_view s);
// sbd's word for a command byte; "unknown(N)" for others.
std::string command_name(uint8_t command);

}  // namespace vmha::disk
