// Transient node attributes of this node (the CIB status section, as
// `attrd_updater -U` writes them) through pacemaker-attrd's IPC API.
//
// AttrWriter::set()/remove() never block: they record the newest wish and
// return. One worker thread owns the attrd connection and sends each name's
// newest value (older unsent values are dropped), one update at a time, each
// waiting for attrd's acknowledgement (libcrmcommon bounds that wait at 5 s).
// When attrd goes away the worker reconnects with exponential backoff and
// then re-sends every value, so a respawned attrd (which starts empty and
// erases this node's transient attributes) gets them all back.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::cluster {

struct AttrAck {
  std::string name;
  std::optional<std::string> value;  // nullopt: a removal
  // From the set()/remove() of this value to attrd's acknowledgement.
  std::chrono::microseconds latency{0};
  bool resend = false;  // re-sent after a reconnect (latency then counts from the original set)
};

struct AttrWriterStats {
  uint64_t sets = 0;       // set()/remove() calls that changed the wanted value
  uint64_t coalesced = 0;  // values replaced before they were sent
  uint64_t sent = 0;       // updates handed to attrd
  uint64_t acked = 0;      // updates attrd acknowledged
  uint64_t failed = 0;     // updates that failed (connection lost, timeout)
  uint64_t connects = 0;   // successful connections to attrd
  uint64_t resends = 0;    // values re-sent after a reconnect
};

class AttrWriter {
 public:
  struct Options {
    Millis backoff_min{50};  // first retry after attrd refused or vanished
    Millis backoff_max{1000};
    // How often an idle writer checks that attrd is still there (a restart
    // is noticed within this bound and the values re-sent).
    Millis liveness_interval{500};
    // Called on the worker thread, with no lock held, for each
    // acknowledgement; must not block (it delays the next update).
    std::function<void(const AttrAck&)> on_ack;
  };

  AttrWriter();
  explicit AttrWriter(Options options);
  // Stops the worker (waiting for an update in flight, at most ~5 s); values
  // not yet acknowledged are dropped.
  ~AttrWriter();
  AttrWriter(const AttrWriter&) = delete;
  AttrWriter& operator=(const AttrWriter&) = delete;

  // name = value on this node. Names starting with "#health" are Pacemaker
  // node health (green | yellow | red or a score). Setting the value already
  // wanted sends nothing; an empty name is ignored. Any thread may call
  // set(), remove(), wait_idle(), connected() and stats().
  void set(const std::string& name, const std::string& value);
  // Deletes name on this node.
  void remove(const std::string& name);

  // Waits until attrd has acknowledged every wish so far; false on timeout.
  bool wait_idle(Millis timeout);
  // Whether the worker holds a connection to attrd right now.
  bool connected() const;
  AttrWriterStats stats() const;

  // attrd's current value of name on node ("localhost": this node); nullopt
  // when unset. Synchronous on its own connection, bounded by timeout
  // (kTimeout); kUnreachable when attrd does not run here.
  static Result<std::optional<std::string>> query(const std::string& name,
                                                  const std::string& node = "localhost",
                                                  Millis timeout = Millis(5000));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmha::cluster
