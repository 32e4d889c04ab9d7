// The decisions of vmha-eventd as a state machine without I/O: it is fed
// libvirt events, storage health, quorum and maintenance changes and clock
// ticks, and answers with commands (attribute updates, guest actions,
// cluster requests, journal records) that the daemon carries out. Everything
// here runs on the daemon's loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/cluster/cluster_view.h"
#include "libvmha/policy/guest_actions.h"
#include "libvmha/policy/storage_health.h"
#include "libvmha/virt/condition.h"
#include "libvmha/virt/domain_event.h"
#include "libvmha/virt/ha_metadata.h"

namespace vmha::eventd {

inline constexpr const char* kStorageHealthAttr = "#health-vmha-storage";
inline constexpr const char* kLibvirtHealthAttr = "#health-vmha-libvirt";
inline constexpr const char* kPausedCountAttr = "vmha-paused-io";
inline constexpr const char* kMaintenanceAttr = "vmha-maintenance";
// Per HA guest that is on this node but not running normally: "vmha-guest-"
// + its resource id (cluster::guest_attribute) = paused-io | rescue |
// paused-quorum | paused | crashed | pmsuspended; removed once it runs again
// or is gone. "rescue": paused on I/O errors and to be moved elsewhere (see
// policy/rescue.h; the rule cluster::rescue_rule_xml keeps it off this node).
inline constexpr const char* kGuestAttrPrefix = "vmha-guest-";

// The value of a guest's kGuestAttrPrefix attribute ("": none).
std::string guest_attr_value(virt::Condition c, bool paused_by_isolation);

struct SupervisorOptions {
  std::string node;
  policy::IsolationResponse isolation = policy::IsolationResponse::kPause;
  // libvirtd unreachable for longer than this turns #health-vmha-libvirt red.
  Millis libvirt_grace{2000};
  // Resume attempts per guest at most this often. Without a heartbeat,
  // storage is assumed back and tried this often (a resume on still-failing
  // storage just pauses the guest again).
  Millis resume_retry{500};
  Millis resume_settle{5000};
  bool heartbeat_configured = false;
  // Whether the resource agent is stopping resource's guest on purpose (its
  // marker under the run directory), so its shutdown is not the guest's own.
  std::function<bool(const std::string& resource)> agent_is_stopping;
};

struct Command {
  enum class Kind {
    kSetAttr,           // name = value on this node
    kRemoveAttr,        // name removed from this node
    kRecordPauseTime,   // store paused-since in the domain's HA metadata
    kResume,
    kPause,
    kDestroy,
    kFailResource,      // tell the controller the resource failed here
    kMarkStopped,       // target-role=Stopped for the resource
    kCreateRescueRule,  // add cluster::rescue_rule_xml(resource) to the CIB
    kJournal,           // a detection worth recording
  };
  Kind kind;
  std::string domain;
  std::string resource;
  std::string name;   // attribute name, or journal "what"
  std::string value;  // attribute value, or journal detail
  int64_t paused_since = 0;
};

const char* to_string(Command::Kind k);

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions options);

  std::vector<Command> on_event(const virt::DomainEvent& e, int64_t now_wall_s, Millis now);
  std::vector<Command> on_storage_health(policy::Health h);
  std::vector<Command> on_quorum(bool quorate);
  std::vector<Command> on_maintenance(bool on);
  // The HA policy read from a domain's metadata (nullopt: it has none).
  std::vector<Command> on_policy(const std::string& domain, std::optional<virt::HaPolicy> policy,
                                 int64_t now_wall_s);

  // Deadlines, retries and the libvirt grace period; call about once a second.
  std::vector<Command> tick(int64_t now_wall_s, Millis now);

  // The cluster as the CIB showed it (nullopt: it could not be read), for
  // rescue decisions. Wanted, about once a second, while a guest here may
  // need a rescue; of the resources rescue_resources() names.
  std::vector<Command> on_cluster_view(std::optional<cluster::ClusterView> view, int64_t now_wall_s,
                                       Millis now);
  bool wants_cluster_view() const;
  std::vector<std::string> rescue_resources() const;

  // The answer to a monitor's question "is domain running?", from the event
  // stream: "running", "other <condition>", or "unknown" while libvirtd is
  // not connected (the asker must then ask libvirt itself).
  std::string state_of(const std::string& domain) const;

  // For status output and tests.
  struct GuestView {
    std::string name;
    std::optional<virt::HaPolicy> policy;
    virt::Condition condition = virt::Condition::kUnknown;
    int64_t paused_since = 0;  // wall s; 0 unless paused on an I/O error
    bool quorum_lost_since_pause = false;
    bool paused_by_isolation = false;
    // Shown as paused-quorum from the isolation pause until it runs again
    // (paused_by_isolation drops at the regain, before the resume lands).
    bool shown_paused_for_quorum = false;
    // A resume on still-failing storage pauses the guest again at once: a
    // pause within resume_settle of a resume continues the earlier one, so
    // retries never push the kill deadline back.
    int64_t resumed_from_pause_since = 0;
    Millis resumed_at{0};
    // The last resume did not hold (paused again within resume_settle).
    bool resume_failed = false;
    // Its rescue is asked for (the guest attribute says "rescue").
    bool rescue_requested = false;
    std::string rescue_reason;  // the last decision's reason, journalled when it changes
    std::optional<Millis> rule_asked_at;
  };
  const std::map<std::string, GuestView>& guests() const { return guests_; }
  bool quorate() const { return quorate_; }
  bool maintenance() const { return maintenance_; }
  policy::Health storage_health() const;

 private:
  void publish_health(std::vector<Command>& out);
  void publish_guests(std::vector<Command>& out);
  void on_lifecycle(const virt::DomainEvent& e, int64_t now_wall_s, Millis now,
                    std::vector<Command>& out);
  void on_resync(const virt::DomainEvent& e, int64_t now_wall_s, std::vector<Command>& out);
  void entered_io_pause(GuestView& g, int64_t now_wall_s, std::vector<Command>& out);
  // Either event (I/O error with action pause, or lifecycle suspended/ioerror)
  // may come first; the second finds the guest already paused.
  void mark_io_paused(GuestView& g, int64_t now_wall_s, Millis now, std::vector<Command>& out);
  void journal(std::vector<Command>& out, const std::string& subject, const std::string& what,
               const std::string& detail);
  int paused_count() const;
  // Paused on an I/O error as the attributes show it: once a resume did not
  // hold, the next one counts only after resume_settle, so retries on
  // still-failing storage do not flap every attribute twice a second (the
  // first resume after a pause clears them at once).
  bool shown_io_paused(const GuestView& g) const;
  // A guest whose rescue may be due: paused on I/O, its resource known,
  // not leave_paused, this node red or the guest committed to leave.
  bool rescue_candidate(const GuestView& g) const;
  // Re-decides every guest's rescue; publish_health() runs it first, so
  // every input (storage, quorum, maintenance, policy, the view) counts at once.
  void evaluate_rescues(std::vector<Command>& out);
  // A guest whose rescue was asked left this node by migration.
  void rescue_left(const GuestView& g, std::vector<Command>& out);

  SupervisorOptions opt_;
  std::map<std::string, GuestView> guests_;
  std::map<std::string, Millis> last_resume_try_;
  policy::Health heartbeat_health_ = policy::Health::kGreen;
  std::string published_storage_;
  std::string published_libvirt_;
  // Per-guest attribute values by resource id as last published ("": removed).
  std::map<std::string, std::string> published_guests_;
  int published_paused_ = -1;
  bool quorate_ = true;
  bool maintenance_ = false;
  bool libvirt_connected_ = false;
  std::optional<Millis> libvirt_lost_at_;
  Millis now_{0};  // the latest time on_event() or tick() was given
  int64_t wall_now_s_ = 0;  // likewise, wall-clock seconds
  std::optional<cluster::ClusterView> view_;
  bool view_failed_ = false;  // the last read of the CIB failed (not merely none yet)
  // Resources rescued off this node: their guest attribute stays "rescue"
  // (so the rule keeps them off) until this node's storage is green again.
  // Removing it as the guest leaves would change the CIB between
  // Pacemaker's migrate_to and migrate_from: the new transition then finds
  // a partial migration and the source no longer banned, and it may stop
  // the guest on both nodes and boot it afresh.
  std::set<std::string> rescued_away_;
};

}  // namespace vmha::eventd
