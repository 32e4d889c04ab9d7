// Watches one libvirt daemon: its domain events (lifecycle, I/O error with
// reason, watchdog, control error) and the health of the connection, as
// DomainEvent values handed to the owner's sink.
//
// Connection: keepalive (a hung libvirtd is declared dead after about
// keepalive_interval * (keepalive_count + 1) s), a close callback, and
// reconnection with backoff. Every (re)connection is reported as Connected,
// then a Resync snapshot of every domain (state, reason, HA metadata) so the
// owner can re-derive what it missed; a lost one as Disconnected once.
//
// Threads, all owned and joined by stop():
//  - the event-loop thread runs libvirt's default event loop: it dispatches
//    domain events, keepalive and the close callback, and never waits for
//    libvirtd;
//  - the supervisor thread connects, registers, lists domains, pings and
//    reconnects. Each of these calls runs on a helper thread and is waited for
//    at most call_timeout: a hung libvirtd costs an abandoned helper (at most
//    one per connection), never a stuck supervisor or a stuck stop().
// The sink runs on either thread, never concurrently with itself, and sees a
// connection's events in this order: Connected, domain events and one Resync
// (domain events may come before the Resync: the snapshot is newer than
// them), Disconnected. Nothing of a connection comes after its Disconnected,
// nothing at all after stop(). The sink must not block: keepalive shares its
// thread.
//
// libvirt's default event loop is process-global: one EventSource may run in a
// process at a time (start() of a second fails with kConflict).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/virt/domain_event.h"

namespace vmha::virt {

struct EventSourceOptions {
  std::string uri = "qemu:///system";
  int keepalive_interval_s = 1;  // idle seconds before libvirt pings libvirtd
  int keepalive_count = 3;       // unanswered pings after which it is dead
  Millis call_timeout{5000};     // bound on each connect, register, list, ping, close
  Millis backoff_initial{100};   // first reconnect delay, doubling...
  Millis backoff_max{5000};      // ...up to this
  // A request that libvirtd's worker threads must answer (keepalive is
  // answered by its event loop alone); 0 disables it.
  Millis ping_interval{5000};
  bool read_ha_metadata = true;  // include kHaNamespace metadata in Resync
};

class EventSource {
 public:
  using Sink = std::function<void(DomainEvent)>;

  EventSource(EventSourceOptions options, Sink sink);
  ~EventSource();  // stop()
  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;

  // Starts both threads and returns at once; the first connection (or its
  // failure, as Disconnected) is reported through the sink.
  // kInvalidArgument for bad options, kConflict when already started or
  // another EventSource runs in this process, kInternal when libvirt's event
  // loop cannot be registered.
  Status start();
  // Idempotent; a stopped EventSource does not start again. Returns within
  // about call_timeout even when libvirtd hangs.
  void stop();

  const EventSourceOptions& options() const { return options_; }

 private:
  struct Impl;
  EventSourceOptions options_;
  bool started_ = false;  // start() succeeded once; an EventSource runs once
  std::shared_ptr<Impl> impl_;
};

}  // namespace vmha::virt
