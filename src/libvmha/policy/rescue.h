// When vmha-eventd asks Pacemaker to move a guest paused on I/O errors off
// this node, still paused, to a node whose storage works (the rescue: see
// vm/rescue.h for the agent's part). Pure: the daemon gathers the inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libvmha/policy/storage_health.h"
#include "libvmha/virt/ha_metadata.h"

namespace vmha::policy {

// A rescue is not asked for within this many seconds of a kill guest's
// kill_paused_after: the kill would cut the migration short.
inline constexpr int64_t kRescueMinLeftS = 3;

struct RescuePeer {
  std::string name;
  bool online = false;
  bool standby = false;
  bool maintenance = false;
  std::string storage;  // its #health-vmha-storage
  std::string libvirt;  // its #health-vmha-libvirt
};

struct RescueInputs {
  virt::ResumeBehavior behavior = virt::ResumeBehavior::kKill;
  int64_t paused_for_s = 0;
  int64_t kill_paused_after_s = 80;
  Health local_storage = Health::kGreen;  // this node's heartbeat health
  bool quorate = true;
  bool quorum_lost_since_pause = false;
  bool maintenance = false;  // vmha-maintenance on this node
  // The guest's disks are on stand-ins already (its rescue mark): it can no
  // longer resume here, whatever this node's storage does now.
  bool committed = false;
  bool already_requested = false;
  // From the CIB. Without a view nothing is asked.
  bool view_known = false;
  bool cluster_maintenance = false;
  bool resource_found = false;
  bool allow_migrate = false;
  bool managed = true;
  std::string parent;  // group or clone the primitive is in
  bool rescue_rule = false;
  std::vector<RescuePeer> peers;  // the other nodes
};

enum class RescueStep {
  kNone,        // leave the guest to the resume and kill rules
  kCreateRule,  // everything holds but the location rule is missing: create it first
  kRequest,     // ask (the guest attribute says "rescue")
};

struct RescueDecision {
  RescueStep step = RescueStep::kNone;
  // Why not (kNone), or what is asked; names the fix where there is one.
  std::string reason;
  std::vector<std::string> targets;  // peers that can take the guest
};

// A kill or auto_resume guest paused on I/O errors is rescued when this
// node's storage is red (or the guest is committed), quorum has held since
// the pause, neither this node nor the cluster is in maintenance, a kill
// guest has at least kRescueMinLeftS before its deadline (unless already
// asked), Pacemaker may live-migrate its resource (a primitive outside any
// group or clone, managed, allow-migrate=true), and at least one other node
// is online, not in standby or maintenance, with green storage and libvirt
// not red. When every other node's storage fails too, nothing moves: the
// guest resumes here once storage returns.
RescueDecision decide_rescue(const RescueInputs& in);

}  // namespace vmha::policy
