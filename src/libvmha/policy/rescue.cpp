#include "libvmha/policy/rescue.h"

namespace vmha::policy {
namespace {

RescueDecision none(std::string why) { return {RescueStep::kNone, std::move(why), {}}; }

}  // namespace

RescueDecision decide_rescue(const RescueInputs& in) {
  using virt::ResumeBehavior;
  if (in.behavior == ResumeBehavior::kLeavePaused) return none("resume_behavior=leave_paused");
  if (in.maintenance) return none("this node is in maintenance");
  if (!in.quorate || in.quorum_lost_since_pause)
    return none("quorum was lost since the pause: the guest may run elsewhere");
  if (in.local_storage != Health::kRed && !in.committed)
    return none(std::string("this node's storage is ") + to_string(in.local_storage) + ", not red");
  if (in.behavior == ResumeBehavior::kKill && !in.already_requested &&
      in.paused_for_s > in.kill_paused_after_s - kRescueMinLeftS)
    return none("too close to kill_paused_after for a migration");
  if (!in.view_known) return none("the cluster's state could not be read");
  if (in.cluster_maintenance) return none("the cluster is in maintenance-mode");
  if (!in.resource_found) return none("the resource is not in the CIB");
  if (!in.parent.empty())
    return none("the resource is in " + in.parent + ", and Pacemaker migrates primitives only");
  if (!in.managed) return none("the resource is unmanaged");
  if (!in.allow_migrate)
    return none("allow-migrate is not true: set it in the resource's meta attributes");
  RescueDecision d;
  for (const RescuePeer& p : in.peers)
    if (p.online && !p.standby && !p.maintenance && p.storage == "green" && p.libvirt != "red")
      d.targets.push_back(p.name);
  if (d.targets.empty())
    return none(
        "no other online node has green storage: the guest resumes here once storage returns");
  if (!in.rescue_rule) {
    d.step = RescueStep::kCreateRule;
    d.reason = "the rescue location rule is missing";
    return d;
  }
  d.step = RescueStep::kRequest;
  d.reason = "storage red here, green on another node";
  return d;
}

}  // namespace vmha::policy
