// What vmha-eventd does to a guest on its node: resume behaviour for guests
// paused on I/O errors (oVirt's meaning, seed 000) and the isolation
// response to a loss of quorum. Pure decisions; the daemon does the I/O.
#pragma once

#include <cstdint>

#include "libvmha/virt/ha_metadata.h"

namespace vmha::policy {

enum class GuestAction { kNone, kResume, kDestroy, kPause };

struct PausedOnIoError {
  virt::ResumeBehavior behavior = virt::ResumeBehavior::kKill;
  int64_t paused_for_s = 0;
  int64_t kill_paused_after_s = 80;
  bool storage_ok = false;  // the heartbeat answers again
  // Quorum was lost at some point since the pause: the cluster may have
  // fenced this node's view and started the guest elsewhere meanwhile.
  bool quorum_lost_since_pause = false;
  bool maintenance = false;
};

// kDestroy once a kill guest's deadline passed; kResume when storage works
// again and resuming is allowed and safe; otherwise kNone.
GuestAction decide_paused(const PausedOnIoError& g);

enum class IsolationResponse { kPause, kNone };

// On losing quorum: pause a running HA guest (so a minority stops writing
// before the majority fences it), unless the response is none or the node
// is in maintenance.
GuestAction on_quorum_lost(IsolationResponse r, bool guest_running, bool maintenance);
// On regaining quorum (so this node was not fenced): resume the guests the
// isolation response paused, and only those.
GuestAction on_quorum_regained(bool paused_by_isolation, bool still_paused);

}  // namespace vmha::policy
