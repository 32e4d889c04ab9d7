#include "libvmha/disk/heartbeat.h"

#include <atomic>

#include "libvmha/base/bounded.h"
#include "libvmha/base/log.h"
#include "libvmha/disk/block_device.h"
#include "libvmha/disk/heartbeat_block.h"
#include "libvmha/disk/layout.h"

namespace vmha::disk {

// Shared by the caller and the beat's worker thread. `busy` is the handover:
// while it is set only the worker touches the rest; the caller starts no new
// beat on the path until the worker clears it.
struct StorageHeartbeat::PathState {
  explicit PathState(std::string p) : path(std::move(p)) {}
  const std::string path;
  std::atomic<bool> busy{false};
  Millis started{0};  // the caller's, of the beat in flight
  std::optional<BlockDevice> dev;
  std::optional<unsigned> block;
  uint64_t sequence = 0;
};

namespace {

struct Written {
  unsigned block;
  uint64_t sequence;
};

// Each I/O inside a beat may run far past the caller's timeout before the
// device gives up on it: the worker then stays busy, and the path keeps
// failing at once, for as long as the storage really hangs. An open that
// hangs is retried only after this many timeouts.
constexpr int kIoTimeoutFactor = 10;

Error with_path(const std::string& path, const std::string& what, const Error& e) {
  return make_error(e.code, path + ": " + what + ": " + e.message);
}

// Reads the whole area once to find this node's block, or a free one.
Status choose_block(BlockDevice& dev, const std::string& path, const std::string& node, size_t bs,
                    std::optional<unsigned>& block, uint64_t& sequence) {
  auto area = dev.read(kHeartbeatAreaOffset, kHeartbeatBlocks * bs);
  if (!area) {
    return with_path(path,
                     "cannot read the heartbeat area (a heartbeat path needs at least " +
                         std::to_string(heartbeat_area_end(bs)) + " bytes)",
                     area.error());
  }
  auto chosen = choose_heartbeat_block(*area, bs, node);
  if (!chosen) {
    return make_error(Errc::kConflict, path + ": all " + std::to_string(kHeartbeatBlocks) +
                                           " heartbeat blocks hold other nodes' records: "
                                           "use another heartbeat path");
  }
  block = *chosen;
  auto mine = decode_heartbeat(std::span<const uint8_t>(*area).subspan(*chosen * bs, bs));
  if (mine && mine->sequence > sequence) sequence = mine->sequence;
  return ok_status();
}

Result<Written> beat_once(std::optional<BlockDevice>& dev, std::optional<unsigned>& block,
                          uint64_t& sequence, const std::string& path, const std::string& node,
                          Millis io_timeout, int64_t wall_seconds) {
  if (!dev) {
    auto opened = BlockDevice::open(path, io_timeout);
    if (!opened) return opened.error();
    dev = std::move(*opened);
  }
  size_t bs = heartbeat_block_size(dev->sector_size());
  if (block) {
    // What is there now shows whether another node took the block since
    // our last beat (two nodes that chose it at the same moment).
    auto current = dev->read(heartbeat_block_offset(*block, bs), bs);
    if (!current) return with_path(path, "reading the heartbeat block", current.error());
    auto r = decode_heartbeat(*current);
    if (r && r->node != node) {
      log::warning(path + ": node " + r->node + " writes heartbeat block " +
                   std::to_string(*block) + " too; " + node + " moves to another");
      block.reset();
    }
  }
  if (!block) VMHA_TRY(choose_block(*dev, path, node, bs, block, sequence));
  std::vector<uint8_t> bytes(bs);
  VMHA_TRY(encode_heartbeat({node, sequence + 1, wall_seconds}, bytes));
  uint64_t offset = heartbeat_block_offset(*block, bs);
  Status written = dev->write(offset, bytes);
  if (!written) return with_path(path, "writing the heartbeat block", written.error());
  ++sequence;
  auto back = dev->read(offset, bs);
  if (!back) return with_path(path, "reading the heartbeat block back", back.error());
  if (*back != bytes) {
    return make_error(Errc::kIo, path + ": heartbeat block " + std::to_string(*block) +
                                     " read back differently than written (a failing disk, "
                                     "or another writer)");
  }
  return Written{*block, sequence};
}

}  // namespace

Result<StorageHeartbeat> StorageHeartbeat::create(HeartbeatConfig config, Clock& clock) {
  if (config.paths.empty()) {
    return make_error(Errc::kNotConfigured, "no heartbeat path is configured");
  }
  if (config.node.empty() || config.node.size() > kNameMax) {
    return make_error(Errc::kInvalidArgument, "node name '" + config.node + "' must have 1 to " +
                                                  std::to_string(kNameMax) + " characters");
  }
  if (config.timeout.count() <= 0) {
    return make_error(Errc::kInvalidArgument, "the heartbeat timeout must be positive");
  }
  std::vector<std::shared_ptr<PathState>> paths;
  for (const std::string& p : config.paths) paths.push_back(std::make_shared<PathState>(p));
  return StorageHeartbeat(std::move(config), clock, std::move(paths));
}

const std::string& StorageHeartbeat::path(size_t index) const { return paths_.at(index)->path; }

BeatResult StorageHeartbeat::beat(size_t path_index) {
  std::shared_ptr<PathState> s = paths_.at(path_index);
  BeatResult out;
  out.path = s->path;
  Millis start = clock_->now();
  if (s->busy.load(std::memory_order_acquire)) {
    out.error = make_error(Errc::kTimeout, s->path + ": the heartbeat started " +
                                               std::to_string((start - s->started).count()) +
                                               " ms ago has not returned (the storage is not "
                                               "answering)");
    return out;
  }
  s->busy.store(true, std::memory_order_relaxed);
  s->started = start;
  Millis io_timeout = config_.timeout * kIoTimeoutFactor;
  int64_t wall = clock_->wall_seconds();
  const std::string& node = config_.node;
  auto r = run_bounded<Written>(
      [s, node, io_timeout, wall]() -> Result<Written> {
        auto w = beat_once(s->dev, s->block, s->sequence, s->path, node, io_timeout, wall);
        // A device that failed is opened again next time, unless an I/O is
        // stuck in it: it serves again by itself once that I/O returns.
        if (!w && w.error().code != Errc::kTimeout) s->dev.reset();
        s->busy.store(false, std::memory_order_release);
        return w;
      },
      config_.timeout, "heartbeat on " + s->path);
  out.latency = clock_->now() - start;
  if (r) {
    out.block = r->block;
    out.sequence = r->sequence;
  } else {
    out.error = r.error();
  }
  return out;
}

std::vector<BeatResult> StorageHeartbeat::beat_all() {
  std::vector<BeatResult> out;
  for (size_t i = 0; i < paths_.size(); ++i) out.push_back(beat(i));
  return out;
}

}  // namespace vmha::disk
