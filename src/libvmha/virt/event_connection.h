// One libvirt connection as EventSource uses it: keepalive, a close callback,
// the domain events HA cares about, and a snapshot of every domain.
// Every method but the destructor may wait for libvirtd without limit: call
// them on a thread that can be abandoned (EventSource bounds each call).
// Methods are serialized: a close() from another thread waits until a hung
// call returns (keepalive ends it once the loop runs), then closes.
// The callbacks given to watch() run on libvirt's event-loop thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libvmha/base/result.h"
#include "libvmha/virt/domain_event.h"

namespace vmha::virt {

// Registers libvirt's default event loop implementation, once per process;
// must happen before the connections that want events are opened.
Status register_default_event_loop();
// One iteration of the default event loop (blocks until something happens).
void run_event_loop_once();
// Makes a thread blocked in run_event_loop_once() return soon. Thread-safe.
void wake_event_loop();

class EventConnection {
 public:
  using Deliver = std::function<void(DomainEvent)>;
  using OnClose = std::function<void(DisconnectReason, std::string)>;

  static Result<std::shared_ptr<EventConnection>> open(const std::string& uri);
  // Releases the handle without talking to libvirtd when close() ran;
  // otherwise closes (which may block).
  ~EventConnection();
  EventConnection(const EventConnection&) = delete;
  EventConnection& operator=(const EventConnection&) = delete;

  const std::string& uri() const { return uri_; }
  Status set_keepalive(int interval_s, int count);
  // Registers the close callback and the lifecycle, I/O error (with reason),
  // watchdog and control-error events. Events carry domain, uuid and
  // timestamps; kLifecycle also the state it implies.
  Status watch(Deliver deliver, OnClose on_close);
  // Every domain, active or defined; domains that vanish meanwhile are left out.
  Result<std::vector<DomainSnapshot>> snapshot(bool read_ha_metadata);
  // A request that libvirtd's worker threads answer (its library version).
  Status ping();
  // Deregisters everything and closes; errors are ignored (the connection
  // may already be dead). Idempotent.
  void close();

 private:
  EventConnection(std::string uri, void* conn) : uri_(std::move(uri)), conn_(conn) {}

  std::mutex mu_;
  std::string uri_;
  void* conn_;  // virConnectPtr
  std::vector<int> callback_ids_;
  bool close_callback_ = false;
  bool closed_ = false;
};

}  // namespace vmha::virt
