#include "libvmha/disk/heartbeat_block.h"

#include <algorithm>
#include <cstring>

#include "libvmha/disk/layout.h"

namespace vmha::disk {
namespace {

constexpr size_t kVersionAt = 8;
constexpr size_t kNameAt = 16;
constexpr size_t kSequenceAt = kNameAt + kNameField;
constexpr size_t kWallAt = kSequenceAt + 8;
constexpr size_t kRecordBytes = kWallAt + 8;

void put_be64(std::span<uint8_t> b, size_t at, uint64_t v) {
  put_be32(b, at, static_cast<uint32_t>(v >> 32));
  put_be32(b, at + 4, static_cast<uint32_t>(v));
}

uint64_t get_be64(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint64_t>(get_be32(b, at)) << 32 | get_be32(b, at + 4);
}

}  // namespace

size_t heartbeat_block_size(uint32_t sector_size) {
  return std::max<size_t>(kHeartbeatMinBlock, sector_size);
}

uint64_t heartbeat_block_offset(unsigned index, size_t block_size) {
  return kHeartbeatAreaOffset + static_cast<uint64_t>(index) * block_size;
}

uint64_t heartbeat_area_end(size_t block_size) {
  return heartbeat_block_offset(kHeartbeatBlocks, block_size);
}

unsigned heartbeat_home_index(std::string_view node) {
  uint32_t h = 2166136261u;
  for (unsigned char c : node) {
    h ^= c;
    h *= 16777619u;
  }
  return h % kHeartbeatBlocks;
}

Status encode_heartbeat(const HeartbeatRecord& r, std::span<uint8_t> block) {
  if (r.node.empty() || r.node.size() > kNameMax) {
    return make_error(Errc::kInvalidArgument, "node name '" + r.node + "' must have 1 to " +
                                                  std::to_string(kNameMax) + " characters");
  }
  if (block.size() < kRecordBytes) {
    return make_error(Errc::kInternal, "heartbeat block of " + std::to_string(block.size()) +
                                           " bytes is too small for a record");
  }
  std::fill(block.begin(), block.end(), 0);
  std::memcpy(block.data(), kHeartbeatMagic.data(), kHeartbeatMagic.size());
  block[kVersionAt] = kHeartbeatVersion;
  std::memcpy(block.data() + kNameAt, r.node.data(), r.node.size());
  put_be64(block, kSequenceAt, r.sequence);
  put_be64(block, kWallAt, static_cast<uint64_t>(r.wall_seconds));
  return ok_status();
}

std::optional<HeartbeatRecord> decode_heartbeat(std::span<const uint8_t> block) {
  if (block.size() < kRecordBytes ||
      std::memcmp(block.data(), kHeartbeatMagic.data(), kHeartbeatMagic.size()) != 0) {
    return std::nullopt;
  }
  const char* name = reinterpret_cast<const char*>(block.data() + kNameAt);
  HeartbeatRecord r;
  r.node.assign(name, strnlen(name, kNameMax));
  r.sequence = get_be64(block, kSequenceAt);
  r.wall_seconds = static_cast<int64_t>(get_be64(block, kWallAt));
  return r;
}

std::optional<unsigned> choose_heartbeat_block(std::span<const uint8_t> area, size_t block_size,
                                               std::string_view node) {
  auto block = [&](unsigned i) { return area.subspan(i * block_size, block_size); };
  unsigned blocks =
      static_cast<unsigned>(std::min<size_t>(kHeartbeatBlocks, area.size() / block_size));
  std::optional<unsigned> free;
  unsigned home = heartbeat_home_index(node);
  for (unsigned k = 0; k < kHeartbeatBlocks; ++k) {
    unsigned i = (home + k) % kHeartbeatBlocks;
    if (i >= blocks) continue;
    auto r = decode_heartbeat(block(i));
    if (r && r->node == node) return i;
    if (!r && !free) free = i;
  }
  return free;
}

}  // namespace vmha::disk
