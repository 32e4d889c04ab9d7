// The coalescing state behind AttrWriter, with no I/O: for each node attribute
// the newest value wanted, whether attrd has acknowledged it, and the order in
// which pending names are sent. attrd only ever hears a name's newest value;
// one update is in flight at a time. Not thread-safe: the owner locks.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include <chrono>

namespace vmha::cluster {

// Set and acknowledgement times, for latency measurement only (nothing
// waits on them): microseconds of a monotonic clock.
using Micros = std::chrono::microseconds;

struct AttrUpdate {
  std::string name;
  std::optional<std::string> value;  // nullopt: remove the attribute
  uint64_t generation = 0;           // identifies this wish in acked()/failed()
  Micros set_at{0};                  // when set() asked for this value
  bool resend = false;               // re-sent after a reconnect, not newly set
};

class AttrQueue {
 public:
  // name should now hold value (nullopt: be removed). A pending value is
  // replaced in place (the name keeps its turn); setting the value already
  // wanted changes nothing. Returns whether something new must be sent.
  bool set(const std::string& name, std::optional<std::string> value, Micros now);

  // The next update to send (the name pending longest) and marks it in
  // flight; nullopt when nothing is pending or an update is in flight.
  std::optional<AttrUpdate> take();

  // attrd acknowledged u. If a newer value came meanwhile, the name is
  // pending again (at the back); an acknowledged removal is forgotten.
  void acked(const AttrUpdate& u);

  // Sending u failed: the name is pending again, first in line, with its
  // newest value.
  void failed(const AttrUpdate& u);

  // A new attrd may know nothing: every value (and every removal not yet
  // acknowledged) is pending again. Returns how many names that queued.
  size_t resend_all();

  bool idle() const { return order_.empty() && !in_flight_; }
  size_t pending() const { return order_.size(); }
  size_t known() const { return entries_.size(); }
  // Values replaced before they were sent (while queued or while an older
  // value of the same name was in flight).
  uint64_t coalesced() const { return coalesced_; }

 private:
  struct Entry {
    std::optional<std::string> value;
    uint64_t generation = 0;
    uint64_t acked_generation = 0;  // 0: never acknowledged
    Micros set_at{0};
    bool queued = false;
    bool in_flight = false;
    bool resend = false;
    bool unsent = false;  // the newest value has not been taken yet
  };

  void enqueue_back(const std::string& name, Entry& e);

  std::map<std::string, Entry> entries_;
  std::deque<std::string> order_;
  bool in_flight_ = false;
  uint64_t next_generation_ = 1;
  uint64_t coalesced_ = 0;
};

}  // namespace vmha::cluster
