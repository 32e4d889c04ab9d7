#include "libvmha/virt/domain_event.h"

#include <libvirt/libvirt.h>

#include <chrono>

namespace vmha::virt {
namespace {

template <size_t N>
const char* name_at(const char* const (&names)[N], int i) {
  return i >= 0 && static_cast<size_t>(i) < N ? names[i] : "unknown";
}

// Indexed by virDomainEventType, then by that type's detail enum.
constexpr const char* kEventNames[] = {"defined",   "undefined",   "started",
                                       "suspended", "resumed",     "stopped",
                                       "shutdown",  "pmsuspended", "crashed"};
constexpr const char* kDefined[] = {"added", "updated", "renamed", "from_snapshot"};
constexpr const char* kUndefined[] = {"removed", "renamed"};
constexpr const char* kStarted[] = {"booted", "migrated", "restored", "from_snapshot", "wakeup"};
constexpr const char* kSuspended[] = {"paused",    "migrated", "ioerror",
                                      "watchdog",  "restored", "from_snapshot",
                                      "api_error", "postcopy", "postcopy_failed"};
constexpr const char* kResumed[] = {"unpaused", "migrated", "from_snapshot", "postcopy",
                                    "postcopy_failed"};
constexpr const char* kStopped[] = {"shutdown", "destroyed", "crashed",      "migrated",
                                    "saved",    "failed",    "from_snapshot"};
constexpr const char* kShutdown[] = {"finished", "guest", "host"};
constexpr const char* kPmSuspended[] = {"memory", "disk"};
constexpr const char* kCrashed[] = {"panicked", "crashloaded"};

const char* detail_name(int event, int detail) {
  switch (event) {
    case VIR_DOMAIN_EVENT_DEFINED:
      return name_at(kDefined, detail);
    case VIR_DOMAIN_EVENT_UNDEFINED:
      return name_at(kUndefined, detail);
    case VIR_DOMAIN_EVENT_STARTED:
      return name_at(kStarted, detail);
    case VIR_DOMAIN_EVENT_SUSPENDED:
      return name_at(kSuspended, detail);
    case VIR_DOMAIN_EVENT_RESUMED:
      return name_at(kResumed, detail);
    case VIR_DOMAIN_EVENT_STOPPED:
      return name_at(kStopped, detail);
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      return name_at(kShutdown, detail);
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
      return name_at(kPmSuspended, detail);
    case VIR_DOMAIN_EVENT_CRASHED:
      return name_at(kCrashed, detail);
    default:
      return "unknown";
  }
}

int started_reason(int detail) {
  switch (detail) {
    case VIR_DOMAIN_EVENT_STARTED_BOOTED:
      return VIR_DOMAIN_RUNNING_BOOTED;
    case VIR_DOMAIN_EVENT_STARTED_MIGRATED:
      return VIR_DOMAIN_RUNNING_MIGRATED;
    case VIR_DOMAIN_EVENT_STARTED_RESTORED:
      return VIR_DOMAIN_RUNNING_RESTORED;
    case VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT:
      return VIR_DOMAIN_RUNNING_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_STARTED_WAKEUP:
      return VIR_DOMAIN_RUNNING_WAKEUP;
    default:
      return VIR_DOMAIN_RUNNING_UNKNOWN;
  }
}

int suspended_reason(int detail) {
  switch (detail) {
    case VIR_DOMAIN_EVENT_SUSPENDED_PAUSED:
      return VIR_DOMAIN_PAUSED_USER;
    case VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED:
      return VIR_DOMAIN_PAUSED_MIGRATION;
    case VIR_DOMAIN_EVENT_SUSPENDED_IOERROR:
      return VIR_DOMAIN_PAUSED_IOERROR;
    case VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG:
      return VIR_DOMAIN_PAUSED_WATCHDOG;
    case VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT:
      return VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY:
      return VIR_DOMAIN_PAUSED_POSTCOPY;
    case VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED:
      return VIR_DOMAIN_PAUSED_POSTCOPY_FAILED;
    default:
      return VIR_DOMAIN_PAUSED_UNKNOWN;
  }
}

int resumed_reason(int detail) {
  switch (detail) {
    case VIR_DOMAIN_EVENT_RESUMED_UNPAUSED:
      return VIR_DOMAIN_RUNNING_UNPAUSED;
    case VIR_DOMAIN_EVENT_RESUMED_MIGRATED:
      return VIR_DOMAIN_RUNNING_MIGRATED;
    case VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT:
      return VIR_DOMAIN_RUNNING_FROM_SNAPSHOT;
    case VIR_DOMAIN_EVENT_RESUMED_POSTCOPY:
      return VIR_DOMAIN_RUNNING_POSTCOPY;
    case VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED:
      return VIR_DOMAIN_RUNNING_POSTCOPY_FAILED;
    default:
      return VIR_DOMAIN_RUNNING_UNKNOWN;
  }
}

int stopped_reason(int detail) {
  switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
      return VIR_DOMAIN_SHUTOFF_SHUTDOWN;
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
      return VIR_DOMAIN_SHUTOFF_DESTROYED;
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
      return VIR_DOMAIN_SHUTOFF_CRASHED;
    case VIR_DOMAIN_EVENT_STOPPED_MIGRATED:
      return VIR_DOMAIN_SHUTOFF_MIGRATED;
    case VIR_DOMAIN_EVENT_STOPPED_SAVED:
      return VIR_DOMAIN_SHUTOFF_SAVED;
    case VIR_DOMAIN_EVENT_STOPPED_FAILED:
      return VIR_DOMAIN_SHUTOFF_FAILED;
    case VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT:
      return VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT;
    default:
      return VIR_DOMAIN_SHUTOFF_UNKNOWN;
  }
}

}  // namespace

DomainEvent new_event(EventKind kind) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  DomainEvent e;
  e.kind = kind;
  e.mono_ms =
      duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  e.wall_ms =
      duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return e;
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::kConnected:
      return "connected";
    case EventKind::kDisconnected:
      return "disconnected";
    case EventKind::kResync:
      return "resync";
    case EventKind::kLifecycle:
      return "lifecycle";
    case EventKind::kIoError:
      return "io_error";
    case EventKind::kWatchdog:
      return "watchdog";
    case EventKind::kControlError:
      return "control_error";
    case EventKind::kMetadata:
      return "metadata";
  }
  return "unknown";
}

const char* to_string(DisconnectReason r) {
  switch (r) {
    case DisconnectReason::kNone:
      return "none";
    case DisconnectReason::kConnectFailed:
      return "connect_failed";
    case DisconnectReason::kConnectTimeout:
      return "connect_timeout";
    case DisconnectReason::kEof:
      return "eof";
    case DisconnectReason::kKeepalive:
      return "keepalive";
    case DisconnectReason::kIoError:
      return "io_error";
    case DisconnectReason::kCallTimeout:
      return "call_timeout";
    case DisconnectReason::kCallFailed:
      return "call_failed";
    case DisconnectReason::kClient:
      return "client";
  }
  return "unknown";
}

std::string lifecycle_name(int event, int detail) {
  return std::string(name_at(kEventNames, event)) + "/" + detail_name(event, detail);
}

const char* io_action_name(int action) {
  static constexpr const char* kNames[] = {"none", "pause", "report"};
  return name_at(kNames, action);
}

const char* watchdog_action_name(int action) {
  static constexpr const char* kNames[] = {"none",     "pause", "reset",     "poweroff",
                                           "shutdown", "debug", "inject_nmi"};
  return name_at(kNames, action);
}

std::optional<std::pair<int, int>> state_after(int event, int detail) {
  switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
      return std::pair{static_cast<int>(VIR_DOMAIN_RUNNING), started_reason(detail)};
    case VIR_DOMAIN_EVENT_SUSPENDED:
      return std::pair{static_cast<int>(VIR_DOMAIN_PAUSED), suspended_reason(detail)};
    case VIR_DOMAIN_EVENT_RESUMED:
      return std::pair{static_cast<int>(VIR_DOMAIN_RUNNING), resumed_reason(detail)};
    case VIR_DOMAIN_EVENT_STOPPED:
      return std::pair{static_cast<int>(VIR_DOMAIN_SHUTOFF), stopped_reason(detail)};
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      // QEMU reported the guest's power-off; the process is on its way out and
      // a stopped/shutdown event follows.
      return std::pair{static_cast<int>(VIR_DOMAIN_SHUTDOWN),
                       static_cast<int>(VIR_DOMAIN_SHUTDOWN_UNKNOWN)};
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
      return std::pair{static_cast<int>(VIR_DOMAIN_PMSUSPENDED),
                       static_cast<int>(VIR_DOMAIN_PMSUSPENDED_UNKNOWN)};
    case VIR_DOMAIN_EVENT_CRASHED:
      if (detail == VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED)
        return std::pair{static_cast<int>(VIR_DOMAIN_RUNNING),
                         static_cast<int>(VIR_DOMAIN_RUNNING_CRASHED)};
      return std::pair{static_cast<int>(VIR_DOMAIN_CRASHED),
                       static_cast<int>(VIR_DOMAIN_CRASHED_PANICKED)};
    default:
      return std::nullopt;
  }
}

std::string describe(const DomainEvent& e) {
  switch (e.kind) {
    case EventKind::kConnected:
      return "connected to " + e.uri;
    case EventKind::kDisconnected:
      return "disconnected from " + e.uri + " (" + to_string(e.disconnect) + "): " + e.message;
    case EventKind::kResync:
      return "resync of " + e.uri + ": " + std::to_string(e.domains.size()) + " domain(s)";
    case EventKind::kLifecycle:
      return e.domain + " lifecycle " + lifecycle_name(e.event, e.detail);
    case EventKind::kIoError:
      return e.domain + " I/O error on " + e.io_device + " (" + e.io_src_path +
             "): " + e.io_reason + ", action " + io_action_name(e.io_action);
    case EventKind::kWatchdog:
      return e.domain + " watchdog fired, action " + watchdog_action_name(e.watchdog_action);
    case EventKind::kControlError:
      return e.domain + " control error (QEMU monitor lost)";
    case EventKind::kMetadata:
      return e.domain + " HA metadata changed";
  }
  return "unknown event";
}

}  // namespace vmha::virt
