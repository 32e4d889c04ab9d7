// What EventSource reports: one plain value per libvirt event or connection
// change, safe to copy to another thread. Integers are libvirt's own enums
// (virDomainEventType and its detail enums, virDomainState and its reasons,
// virDomainEventIOErrorAction, virDomainEventWatchdogAction), so consumers can
// use condition.h on them without including libvirt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmha::virt {

enum class EventKind {
  kConnected,     // a (re)connection is up; events of this connection follow
  kDisconnected,  // the connection is gone or was never made; see `disconnect`
  kResync,        // snapshot of every domain, taken after the events were registered
  kLifecycle,     // started, suspended, resumed, stopped, shutdown, crashed...
  kIoError,       // IO_ERROR_REASON: a disk of the domain failed
  kWatchdog,      // the guest's watchdog fired
  kControlError,  // libvirt lost control of the domain's QEMU monitor
  kMetadata,      // the domain's vmha HA metadata changed (the agent's start or reload)
};

enum class DisconnectReason {
  kNone,
  kConnectFailed,   // libvirtd refused or is absent (connect failed)
  kConnectTimeout,  // connect did not complete within the call timeout (hung)
  kEof,             // libvirtd closed the socket (stopped or restarted)
  kKeepalive,       // no keepalive answer within interval * (count + 1) (hung)
  kIoError,         // socket error
  kCallTimeout,     // a call on the connection did not complete within the bound
  kCallFailed,      // registering events or listing domains failed
  kClient,          // we closed it
};

// One domain as seen by a Resync.
struct DomainSnapshot {
  std::string name;
  std::string uuid;
  int state = 0;   // virDomainState
  int reason = 0;  // reason enum of that state
  bool active = false;
  bool persistent = false;
  // The element in namespace kHaNamespace (ha_metadata.h) as libvirt returns
  // it, for parse_ha_policy(); nullopt when the domain has none.
  std::optional<std::string> ha_metadata;
};

struct DomainEvent {
  EventKind kind = EventKind::kLifecycle;
  int64_t wall_ms = 0;  // ms since the epoch when the event reached this process
  int64_t mono_ms = 0;  // CLOCK_MONOTONIC (steady_clock) ms at the same moment

  // Domain events.
  std::string domain;
  std::string uuid;
  // kLifecycle: virDomainEventType and its detail.
  int event = -1;
  int detail = -1;
  // kLifecycle: the virDomainState/reason the event implies, when it implies
  // one (defined/undefined do not).
  bool has_state = false;
  int state = 0;
  int reason = 0;
  // kIoError.
  std::string io_src_path;  // the failing disk's source (file or "nbd+unix://...")
  std::string io_device;    // the disk's device alias ("virtio-disk0")
  int io_action = 0;        // virDomainEventIOErrorAction: what QEMU did
  std::string io_reason;    // "enospc"; QEMU's driver leaves other errors ""
  // kWatchdog: virDomainEventWatchdogAction.
  int watchdog_action = 0;

  // kConnected / kDisconnected / kResync.
  std::string uri;
  DisconnectReason disconnect = DisconnectReason::kNone;
  std::string message;  // why (kDisconnected), for logs and the journal
  // kResync.
  std::vector<DomainSnapshot> domains;
};

// An event of `kind` stamped with the current wall-clock and monotonic time.
DomainEvent new_event(EventKind kind);

const char* to_string(EventKind k);
const char* to_string(DisconnectReason r);
// "suspended/ioerror", "stopped/failed", ... libvirt's names in lower case.
std::string lifecycle_name(int event, int detail);
const char* io_action_name(int action);        // "none", "pause", "report"
const char* watchdog_action_name(int action);  // "none", "pause", "reset", ...
// The (virDomainState, reason) a lifecycle event leaves the domain in, or
// nullopt when the event says nothing about the state.
std::optional<std::pair<int, int>> state_after(int event, int detail);
// One line for logs: "vm1 lifecycle suspended/ioerror", "connected to URI"...
std::string describe(const DomainEvent& e);

}  // namespace vmha::virt
