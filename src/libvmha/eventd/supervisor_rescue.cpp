// The Supervisor's rescue decisions: when to ask Pacemaker, through the
// guest's attribute and its location rule, to live-migrate a guest paused on
// I/O errors off this node (policy/rescue.h says when).
#include "libvmha/base/strings.h"
#include "libvmha/eventd/supervisor.h"
#include "libvmha/policy/rescue.h"

namespace vmha::eventd {
namespace {

// A rule creation that did not show in the CIB is tried again after this.
constexpr Millis kRuleRetry{5000};

}  // namespace

bool Supervisor::rescue_candidate(const GuestView& g) const {
  if (!g.policy || g.policy->resource.empty() || g.condition != virt::Condition::kPausedIoError)
    return false;
  if (g.policy->resume == virt::ResumeBehavior::kLeavePaused || maintenance_) return false;
  return heartbeat_health_ == policy::Health::kRed || g.policy->rescue_since > 0 ||
         g.rescue_requested;
}

bool Supervisor::wants_cluster_view() const {
  for (const auto& [name, g] : guests_)
    if (rescue_candidate(g)) return true;
  return false;
}

std::vector<std::string> Supervisor::rescue_resources() const {
  std::vector<std::string> out;
  for (const auto& [name, g] : guests_)
    if (rescue_candidate(g)) out.push_back(g.policy->resource);
  return out;
}

std::vector<Command> Supervisor::on_cluster_view(std::optional<cluster::ClusterView> view,
                                                 int64_t now_wall_s, Millis now) {
  std::vector<Command> out;
  now_ = now;
  wall_now_s_ = now_wall_s;
  view_failed_ = !view;
  view_ = std::move(view);
  publish_health(out);
  return out;
}

void Supervisor::rescue_left(const GuestView& g, std::vector<Command>& out) {
  if (!g.policy || g.policy->resource.empty() ||
      !(g.rescue_requested || g.policy->rescue_since > 0))
    return;
  rescued_away_.insert(g.policy->resource);
  journal(out, g.name, "rescue: left this node",
          "kept off it (" + cluster::guest_attribute(g.policy->resource) +
              "=rescue) until its storage is green");
}

void Supervisor::evaluate_rescues(std::vector<Command>& out) {
  if (!rescued_away_.empty() &&
      (heartbeat_health_ == policy::Health::kGreen || !opt_.heartbeat_configured)) {
    for (const auto& rsc : rescued_away_)
      journal(out, rsc, "rescue: ban lifted", "this node's storage is green again");
    rescued_away_.clear();
  }
  for (auto& [name, g] : guests_) {
    if (g.condition != virt::Condition::kPausedIoError) {
      // A resume that did not hold keeps the request until it shows: the
      // attribute must not flap while Pacemaker may be migrating the guest.
      if (!shown_io_paused(g)) {
        g.rescue_requested = false;
        g.rescue_reason.clear();
      }
      continue;
    }
    if (!g.policy || g.policy->resource.empty()) continue;
    const std::string& rsc = g.policy->resource;
    policy::RescueInputs in;
    in.behavior = g.policy->resume;
    in.paused_for_s = wall_now_s_ - g.paused_since;
    in.kill_paused_after_s = g.policy->kill_paused_after_s;
    in.local_storage = heartbeat_health_;
    in.quorate = quorate_;
    in.quorum_lost_since_pause = g.quorum_lost_since_pause;
    in.maintenance = maintenance_;
    in.committed = g.policy->rescue_since > 0;
    in.already_requested = g.rescue_requested;
    in.view_known = view_.has_value();
    if (view_) {
      in.cluster_maintenance = view_->maintenance_mode;
      auto r = view_->resources.find(rsc);
      if (r != view_->resources.end()) {
        in.resource_found = r->second.found;
        in.allow_migrate = r->second.allow_migrate;
        in.managed = r->second.managed;
        in.parent = r->second.parent;
        in.rescue_rule = r->second.rescue_rule;
      }
      for (const auto& n : view_->nodes)
        if (n.name != opt_.node)
          in.peers.push_back({n.name, n.online, n.standby, n.maintenance, n.storage, n.libvirt});
    }
    policy::RescueDecision d = policy::decide_rescue(in);
    switch (d.step) {
      case policy::RescueStep::kRequest:
        if (!g.rescue_requested) {
          g.rescue_reason = d.reason;
          journal(out, name, "rescue requested",
                  "resource " + rsc + ", " + d.reason + "; nodes that can take it: " +
                      join(d.targets, ", ") + "; paused " + std::to_string(in.paused_for_s) + " s");
          g.rescue_requested = true;
        }
        break;
      case policy::RescueStep::kCreateRule:
        if (!g.rule_asked_at || now_ - *g.rule_asked_at >= kRuleRetry) {
          g.rule_asked_at = now_;
          out.push_back({Command::Kind::kCreateRescueRule, name, rsc, cluster::rescue_rule_id(rsc),
                         d.reason});
        }
        break;
      case policy::RescueStep::kNone:
        if (g.rescue_requested) {
          journal(out, name, "rescue withdrawn", d.reason);
          g.rescue_requested = false;
          g.rescue_reason = d.reason;
        } else if (d.reason != g.rescue_reason && rescue_candidate(g) && (view_ || view_failed_)) {
          // Only for a guest whose rescue is in question (this node red),
          // and not before the first read of the CIB.
          journal(out, name, "no rescue", d.reason);
          g.rescue_reason = d.reason;
        }
        break;
    }
  }
}

}  // namespace vmha::eventd
