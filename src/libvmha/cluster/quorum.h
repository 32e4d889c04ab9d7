// Whether this node's Corosync partition has quorum, through the Corosync
// quorum API (libquorum), for a poll loop: connect(), poll fd() for input,
// then dispatch(). Changes are pushed by corosync (CS_TRACK_CHANGES), so a
// loss is seen as soon as corosync decides it, with no polling interval.
// Single-threaded: call everything from the loop's thread.
#pragma once

#include <cstdint>
#include <functional>

#include "libvmha/base/result.h"

namespace vmha::cluster {

class QuorumWatcher {
 public:
  // Called from connect(), dispatch() and disconnect() with the new value
  // each time quorate() changes.
  using OnChange = std::function<void(bool quorate)>;

  explicit QuorumWatcher(OnChange on_change = {});
  ~QuorumWatcher();
  QuorumWatcher(const QuorumWatcher&) = delete;
  QuorumWatcher& operator=(const QuorumWatcher&) = delete;

  // Connects to corosync and starts tracking. kUnreachable when corosync
  // does not run here: retry later. Does nothing when already connected.
  Status connect();
  // Reads every notification waiting on fd(). When corosync went away
  // (stopped, restarted) it disconnects and returns kUnreachable: call
  // connect() again, with a backoff, until it succeeds.
  Status dispatch();
  void disconnect();

  bool connected() const { return handle_ != 0; }
  // The descriptor to poll for input; -1 while not connected.
  int fd() const { return fd_; }
  // True when this partition has quorum (or corosync runs without a quorum
  // provider). False while not connected: a node cut off from corosync
  // must act as one without quorum.
  bool quorate() const { return connected() && quorate_; }
  // Members of this partition at the last notification (0: none seen yet).
  uint32_t members() const { return members_; }

  // libquorum's notification, routed back to its watcher; not for callers.
  void notify(bool quorate, uint32_t members);

 private:
  void report(bool before);

  OnChange on_change_;
  uint64_t handle_ = 0;
  int fd_ = -1;
  bool quorate_ = false;
  uint32_t members_ = 0;
};

}  // namespace vmha::cluster
