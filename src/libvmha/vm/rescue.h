// The agent's part of a rescue: a guest paused on an I/O error because this
// node's storage path died is live-migrated, still paused, to a node whose
// path works, and resumed there with its memory (no reboot). migrate_to
// prepares it (its disks moved onto stand-ins through QMP, see
// virt/disk_swap.h) and marks it; migrate_from on the target resumes a
// marked guest and nothing else. Each step is logged and journalled.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/virt/hypervisor.h"
#include "libvmha/vm/context.h"

namespace vmha::vm {

struct RescuePrep {
  bool rescue = false;            // the domain was paused on an I/O error and is prepared
  bool resume_on_target = false;  // marked: migrate_from resumes it (not leave_paused)
  Millis prepared_at{0};          // ctx.clock() when preparation ended
};

// Before migrate_to's migration. A domain paused on an I/O error gets its
// writable disks moved onto stand-ins (a plain migration would fail at the
// hand-over flush and leave QEMU refusing every later one), is taken out of
// QEMU's postmigrate state if such a failed migration happened already, and
// is marked so that migrate_from resumes it (unless its resume_behavior is
// leave_paused). Any other domain: nothing is done, rescue=false. An error
// (non-raw disk, QMP failure, timeout: bounded by the operation's deadline)
// names the domain and the reason; the guest then stays paused here.
Result<RescuePrep> prepare_rescue(Context& ctx, virt::Hypervisor& hv, const std::string& name,
                                  const virt::DomainState& st);

// After the migration of a prepared domain: journals its outcome.
void rescue_migrated(Context& ctx, const std::string& name, const RescuePrep& prep,
                     const Status& migrated);

// In migrate_from, before anything rewrites the domain's metadata. A domain
// marked by prepare_rescue is resumed if it arrived paused, and watched for
// a second (bounded by the operation's deadline): the result is a note for
// the success message once it runs, an error (for the cluster to recover)
// when it does not. A domain without the mark is left as it is (a guest
// paused by an administrator stays paused): the note is then empty.
Result<std::string> finish_rescue(Context& ctx, virt::Hypervisor& hv, const std::string& name);

}  // namespace vmha::vm
