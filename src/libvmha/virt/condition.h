// libvirt's (state, reason) pairs folded into the conditions HA cares about.
#pragma once

#include <string>

namespace vmha::virt {

enum class Condition {
  kAbsent,            // no such domain
  kRunning,
  kPausedIoError,     // QEMU stopped the guest on a storage error
  kPausedOther,       // paused by an administrator, a save, a snapshot...
  kPausedMigration,   // paused as part of a migration
  kShuttingDown,
  kShutOffByGuest,    // the guest powered itself off (or was asked to)
  kShutOffCrashed,    // QEMU died (killed, crashed) or failed to start
  kShutOffOther,      // destroyed, saved, migrated away, never started...
  kGuestCrashed,      // guest kernel panicked and the domain was kept
  kPmSuspended,
  kUnknown,
};

Condition classify(int state, int reason);
// "paused (ioerror)" style text with libvirt's names, for logs.
std::string describe(int state, int reason);

}  // namespace vmha::virt
