#include "libvmha/policy/guest_actions.h"

namespace vmha::policy {

GuestAction decide_paused(const PausedOnIoError& g) {
  if (g.maintenance) return GuestAction::kNone;
  using virt::ResumeBehavior;
  if (g.behavior == ResumeBehavior::kKill && g.paused_for_s >= g.kill_paused_after_s)
    return GuestAction::kDestroy;
  if (g.behavior == ResumeBehavior::kLeavePaused) return GuestAction::kNone;
  if (!g.storage_ok || g.quorum_lost_since_pause) return GuestAction::kNone;
  return GuestAction::kResume;
}

GuestAction on_quorum_lost(IsolationResponse r, bool guest_running, bool maintenance) {
  if (r == IsolationResponse::kNone || maintenance || !guest_running) return GuestAction::kNone;
  return GuestAction::kPause;
}

GuestAction on_quorum_regained(bool paused_by_isolation, bool still_paused) {
  return paused_by_isolation && still_paused ? GuestAction::kResume : GuestAction::kNone;
}

}  // namespace vmha::policy
