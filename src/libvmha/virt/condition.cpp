#include "libvmha/virt/condition.h"

#include <libvirt/libvirt.h>

namespace vmha::virt {

Condition classify(int state, int reason) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return Condition::kRunning;
    case VIR_DOMAIN_PAUSED:
      switch (reason) {
        case VIR_DOMAIN_PAUSED_IOERROR: return Condition::kPausedIoError;
        case VIR_DOMAIN_PAUSED_MIGRATION:
        case VIR_DOMAIN_PAUSED_POSTCOPY: return Condition::kPausedMigration;
        case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: return Condition::kUnknown;
        default: return Condition::kPausedOther;
      }
    case VIR_DOMAIN_SHUTDOWN: return Condition::kShuttingDown;
    case VIR_DOMAIN_SHUTOFF:
      switch (reason) {
        case VIR_DOMAIN_SHUTOFF_SHUTDOWN: return Condition::kShutOffByGuest;
        case VIR_DOMAIN_SHUTOFF_CRASHED:
        case VIR_DOMAIN_SHUTOFF_FAILED: return Condition::kShutOffCrashed;
        default: return Condition::kShutOffOther;
      }
    case VIR_DOMAIN_CRASHED: return Condition::kGuestCrashed;
    case VIR_DOMAIN_PMSUSPENDED: return Condition::kPmSuspended;
    default: return Condition::kUnknown;
  }
}

namespace {

const char* state_name(int s) {
  switch (s) {
    case VIR_DOMAIN_NOSTATE: return "nostate";
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "blocked";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "shutting down";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "unknown";
  }
}

const char* paused_reason(int r) {
  switch (r) {
    case VIR_DOMAIN_PAUSED_USER: return "user";
    case VIR_DOMAIN_PAUSED_MIGRATION: return "migration";
    case VIR_DOMAIN_PAUSED_SAVE: return "save";
    case VIR_DOMAIN_PAUSED_DUMP: return "dump";
    case VIR_DOMAIN_PAUSED_IOERROR: return "ioerror";
    case VIR_DOMAIN_PAUSED_WATCHDOG: return "watchdog";
    case VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: return "from snapshot";
    case VIR_DOMAIN_PAUSED_SHUTTING_DOWN: return "shutting down";
    case VIR_DOMAIN_PAUSED_SNAPSHOT: return "snapshot";
    case VIR_DOMAIN_PAUSED_CRASHED: return "crashed";
    case VIR_DOMAIN_PAUSED_STARTING_UP: return "starting up";
    case VIR_DOMAIN_PAUSED_POSTCOPY: return "post-copy";
    case VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: return "post-copy failed";
    default: return "unknown";
  }
}

const char* shutoff_reason(int r) {
  switch (r) {
    case VIR_DOMAIN_SHUTOFF_SHUTDOWN: return "shutdown";
    case VIR_DOMAIN_SHUTOFF_DESTROYED: return "destroyed";
    case VIR_DOMAIN_SHUTOFF_CRASHED: return "crashed";
    case VIR_DOMAIN_SHUTOFF_MIGRATED: return "migrated";
    case VIR_DOMAIN_SHUTOFF_SAVED: return "saved";
    case VIR_DOMAIN_SHUTOFF_FAILED: return "failed";
    case VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: return "from snapshot";
    case VIR_DOMAIN_SHUTOFF_DAEMON: return "daemon";
    default: return "unknown";
  }
}

}  // namespace

std::string describe(int state, int reason) {
  std::string s = state_name(state);
  if (state == VIR_DOMAIN_PAUSED) s += std::string(" (") + paused_reason(reason) + ")";
  if (state == VIR_DOMAIN_SHUTOFF) s += std::string(" (") + shutoff_reason(reason) + ")";
  return s;
}

}  // namespace vmha::virt
