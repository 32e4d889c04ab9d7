// Where each node's storage-heartbeat block lives on a shared path, and what
// it holds. The area starts at byte 4 MiB, past the most sbd ever writes
// (header + 255 slots x 2 sectors = 511 sectors, under 2 MiB even with 4 KiB
// sectors), so a heartbeat path may be a dedicated file or LUN or an sbd
// device of at least 5 MiB. 255 blocks of 4 KiB (or of the sector size when
// larger); a node's block is found by its name: the first block, probing
// from a home index hashed from the name, that holds the node's record or no
// record. All integers are big-endian, as in sbd's layout.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libvmha/base/result.h"

namespace vmha::disk {

inline constexpr uint64_t kHeartbeatAreaOffset = 4ull << 20;
inline constexpr unsigned kHeartbeatBlocks = 255;
inline constexpr size_t kHeartbeatMinBlock = 4096;
inline constexpr std::string_view kHeartbeatMagic = "VMHA_HB_";
inline constexpr uint8_t kHeartbeatVersion = 1;

// Bytes: magic 0-7, version 8, name 16-79 (NUL-terminated), sequence 80-87,
// wall-clock seconds 88-95; the rest of the block is zero.
struct HeartbeatRecord {
  std::string node;
  uint64_t sequence = 0;
  int64_t wall_seconds = 0;
};

size_t heartbeat_block_size(uint32_t sector_size);
uint64_t heartbeat_block_offset(unsigned index, size_t block_size);
// The smallest size a heartbeat path must have.
uint64_t heartbeat_area_end(size_t block_size);

// Stable across hosts and versions (FNV-1a of the name): every node computes
// the same home index for a name.
unsigned heartbeat_home_index(std::string_view node);

// Fills `block` (zeroing what the record does not use). Names must have 1 to
// 63 characters (kInvalidArgument otherwise).
Status encode_heartbeat(const HeartbeatRecord& r, std::span<uint8_t> block);
// nullopt when the block holds no heartbeat record (never written, or not
// ours); a record of another version is read as occupied by its name.
std::optional<HeartbeatRecord> decode_heartbeat(std::span<const uint8_t> block);

// Given the area read as one buffer: the node's block if it has one, else
// the first block without a record probing from the home index; nullopt when
// all are taken.
std::optional<unsigned> choose_heartbeat_block(std::span<const uint8_t> area, size_t block_size,
                                               std::string_view node);

}  // namespace vmha::disk
