#include "libvmha/policy/vm_state.h"

namespace vmha::policy {
namespace {

using virt::Condition;
using virt::ResumeBehavior;

Verdict paused_on_io_error(const Observation& o) {
  std::string since = "paused on an I/O error for " + std::to_string(o.paused_for_s) + " s";
  switch (o.resume) {
    case ResumeBehavior::kLeavePaused:
      return {ocf::Rc::kDegraded, Followup::kNone, since + " (resume_behavior=leave_paused)"};
    case ResumeBehavior::kAutoResume:
      return {ocf::Rc::kDegraded, Followup::kTryResume, since + " (resume_behavior=auto_resume)"};
    case ResumeBehavior::kKill:
      if (o.paused_for_s >= o.kill_paused_after_s)
        return {ocf::Rc::kNotRunning, Followup::kDestroy,
                since + ", past kill_paused_after=" + std::to_string(o.kill_paused_after_s) +
                    " s: destroyed so that the cluster recovers it"};
      return {ocf::Rc::kDegraded, Followup::kTryResume,
              since + " (killed after " + std::to_string(o.kill_paused_after_s) + " s)"};
  }
  return {ocf::Rc::kErrGeneric, Followup::kNone, since};
}

}  // namespace

Verdict assess(const Observation& o) {
  if (!o.daemon_answered) {
    switch (o.qemu) {
      case virt::Liveness::kRunning:
        return {ocf::Rc::kDegraded, Followup::kNone,
                "libvirtd is not answering (" + o.daemon_problem + ") but the guest's QEMU runs"};
      case virt::Liveness::kNotRunning:
        return {ocf::Rc::kNotRunning, Followup::kNone,
                "libvirtd is not answering (" + o.daemon_problem + ") and no QEMU runs the guest"};
      case virt::Liveness::kUnknown:
        return {ocf::Rc::kErrGeneric, Followup::kNone,
                "libvirtd is not answering (" + o.daemon_problem +
                    ") and the guest's QEMU cannot be checked"};
    }
  }
  const std::string& what = o.condition_text;
  switch (o.condition) {
    case Condition::kRunning: return {ocf::Rc::kSuccess, Followup::kNone, what};
    case Condition::kPausedMigration: return {ocf::Rc::kSuccess, Followup::kNone, what};
    case Condition::kPausedIoError: return paused_on_io_error(o);
    case Condition::kPausedOther:
    case Condition::kShuttingDown:
    case Condition::kPmSuspended:
      return {ocf::Rc::kDegraded, Followup::kNone, "domain is " + what};
    case Condition::kAbsent: return {ocf::Rc::kNotRunning, Followup::kNone, "domain is not running"};
    case Condition::kShutOffByGuest:
      // The agent's own graceful stop leaves the same reason behind; a probe
      // after it must not turn that into target-role=Stopped.
      if (!o.started_here) return {ocf::Rc::kNotRunning, Followup::kNone, "domain is " + what};
      if (o.guest_shutdown == virt::GuestShutdown::kStop)
        return {ocf::Rc::kNotRunning, Followup::kMarkStopped,
                "guest shut itself down (" + what + "): guest_shutdown=stop keeps it stopped"};
      return {ocf::Rc::kNotRunning, Followup::kNone, "guest shut itself down (" + what + ")"};
    case Condition::kShutOffCrashed:
    case Condition::kShutOffOther:
    case Condition::kGuestCrashed:
      return {ocf::Rc::kNotRunning, Followup::kNone, "domain is " + what};
    case Condition::kUnknown: break;
  }
  return {ocf::Rc::kErrGeneric, Followup::kNone, "domain is in an unexpected state: " + what};
}

}  // namespace vmha::policy
