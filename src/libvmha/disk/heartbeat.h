// The storage heartbeat: on each shared path (a block device or a file),
// this node writes its own block (see heartbeat_block.h for where it lives)
// with O_DIRECT and reads it back; a beat succeeds only if the read-back is
// what was written. A beat answers within the timeout whatever the storage
// does: a hung path costs one stuck thread per path, never a stuck caller,
// and later beats on it fail at once until the stuck I/O returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::disk {

struct HeartbeatConfig {
  std::vector<std::string> paths;  // each at least heartbeat_area_end() bytes
  std::string node;                // this node's name, 1 to 63 characters
  Millis timeout{2000};            // bound on one beat (open, read, write, read-back)
};

struct BeatResult {
  std::string path;
  Millis latency{0};           // how long the beat took (the timeout when it hung)
  std::optional<Error> error;  // what failed, naming the path; nullopt when ok
  unsigned block = 0;          // the node's block index on the path, when ok
  uint64_t sequence = 0;       // of the record written and read back, when ok
  bool ok() const { return !error; }
};

class StorageHeartbeat {
 public:
  // Checks the configuration only; paths are opened by the first beat, so a
  // path missing at start is a failed beat, not a failed start. `clock`
  // measures latencies and stamps records; it must outlive the heartbeat.
  static Result<StorageHeartbeat> create(HeartbeatConfig config, Clock& clock = system_clock());

  size_t size() const { return paths_.size(); }
  const std::string& path(size_t index) const;

  // One beat on one path. Not thread-safe: one caller (the daemon's worker)
  // at a time.
  BeatResult beat(size_t path_index);
  // Every path in order; each beat is bounded by the timeout.
  std::vector<BeatResult> beat_all();

 private:
  struct PathState;
  StorageHeartbeat(HeartbeatConfig config, Clock& clock,
                   std::vector<std::shared_ptr<PathState>> paths)
      : config_(std::move(config)), clock_(&clock), paths_(std::move(paths)) {}

  HeartbeatConfig config_;
  Clock* clock_;
  std::vector<std::shared_ptr<PathState>> paths_;
};

}  // namespace vmha::disk
