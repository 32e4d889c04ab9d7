#include "libvmha/cluster/attr_queue.h"

#include <utility>

namespace vmha::cluster {

void AttrQueue::enqueue_back(const std::string& name, Entry& e) {
  order_.push_back(name);
  e.queued = true;
}

bool AttrQueue::set(const std::string& name, std::optional<std::string> value, Micros now) {
  auto [it, inserted] = entries_.try_emplace(name);
  Entry& e = it->second;
  // A removal of a name never set here is still sent: attrd may hold a value
  // from an earlier run of this program.
  if (!inserted && e.value == value) return false;
  if (e.unsent) ++coalesced_;
  e.unsent = true;
  e.value = std::move(value);
  e.generation = next_generation_++;
  e.set_at = now;
  e.resend = false;
  // A name in flight is queued again when its ack arrives (acked()).
  if (!e.queued && !e.in_flight) enqueue_back(name, e);
  return true;
}

std::optional<AttrUpdate> AttrQueue::take() {
  if (in_flight_ || order_.empty()) return std::nullopt;
  std::string name = std::move(order_.front());
  order_.pop_front();
  Entry& e = entries_.at(name);
  e.queued = false;
  e.in_flight = true;
  e.unsent = false;
  in_flight_ = true;
  return AttrUpdate{std::move(name), e.value, e.generation, e.set_at, e.resend};
}

void AttrQueue::acked(const AttrUpdate& u) {
  in_flight_ = false;
  auto it = entries_.find(u.name);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.in_flight = false;
  if (u.generation > e.acked_generation) e.acked_generation = u.generation;
  if (e.generation != u.generation) {
    if (!e.queued) enqueue_back(u.name, e);
    return;
  }
  e.resend = false;
  if (!e.value) entries_.erase(it);
}

void AttrQueue::failed(const AttrUpdate& u) {
  in_flight_ = false;
  auto it = entries_.find(u.name);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  e.in_flight = false;
  e.unsent = true;
  if (e.queued) return;
  order_.push_front(u.name);
  e.queued = true;
}

size_t AttrQueue::resend_all() {
  size_t n = 0;
  for (auto& [name, e] : entries_) {
    if (e.queued || e.in_flight) continue;
    // Neither queued nor in flight means attrd acknowledged the newest value.
    e.resend = true;
    e.unsent = true;
    enqueue_back(name, e);
    ++n;
  }
  return n;
}

}  // namespace vmha::cluster
