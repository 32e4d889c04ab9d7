#include "libvmha/eventd/supervisor.h"

#include <libvirt/libvirt.h>

namespace vmha::eventd {

const char* to_string(Command::Kind k) {
  switch (k) {
    case Command::Kind::kSetAttr: return "set-attribute";
    case Command::Kind::kRemoveAttr: return "remove-attribute";
    case Command::Kind::kRecordPauseTime: return "record-pause-time";
    case Command::Kind::kResume: return "resume";
    case Command::Kind::kPause: return "pause";
    case Command::Kind::kDestroy: return "destroy";
    case Command::Kind::kFailResource: return "fail-resource";
    case Command::Kind::kMarkStopped: return "mark-stopped";
    case Command::Kind::kCreateRescueRule: return "create-rescue-rule";
    case Command::Kind::kJournal: return "journal";
  }
  return "unknown";
}

Supervisor::Supervisor(SupervisorOptions options) : opt_(std::move(options)) {}

bool Supervisor::shown_io_paused(const GuestView& g) const {
  if (g.condition == virt::Condition::kPausedIoError) return true;
  return g.condition == virt::Condition::kRunning && g.resume_failed &&
         now_ - g.resumed_at < opt_.resume_settle;
}

int Supervisor::paused_count() const {
  int n = 0;
  for (const auto& [name, g] : guests_)
    if (g.policy && shown_io_paused(g)) ++n;
  return n;
}

policy::Health Supervisor::storage_health() const {
  if (maintenance_) return policy::Health::kGreen;
  // A guest paused on an I/O error is a storage alarm even before (or
  // without) a heartbeat failing.
  policy::Health from_guests = paused_count() > 0 ? policy::Health::kYellow : policy::Health::kGreen;
  return policy::worst(heartbeat_health_, from_guests);
}

std::string guest_attr_value(virt::Condition c, bool paused_by_isolation) {
  switch (c) {
    case virt::Condition::kPausedIoError: return "paused-io";
    case virt::Condition::kPausedOther: return paused_by_isolation ? "paused-quorum" : "paused";
    case virt::Condition::kGuestCrashed: return "crashed";
    case virt::Condition::kPmSuspended: return "pmsuspended";
    default: return "";
  }
}

void Supervisor::publish_guests(std::vector<Command>& out) {
  std::map<std::string, std::string> want;
  for (const auto& [name, g] : guests_) {
    if (!g.policy || g.policy->resource.empty()) continue;
    std::string value = !shown_io_paused(g)   ? guest_attr_value(g.condition, g.shown_paused_for_quorum)
                        : g.rescue_requested ? cluster::kRescueValue
                                             : "paused-io";
    // Two domains may name one resource (an old definition left after a
    // rename): a state to show wins over "nothing to show".
    std::string& slot = want[g.policy->resource];
    if (slot.empty()) slot = value;
  }
  for (const auto& rsc : rescued_away_) {
    std::string& slot = want[rsc];
    if (slot.empty()) slot = cluster::kRescueValue;
  }
  // A resource seen for the first time gets a removal too: an attribute left
  // by an earlier daemon for a guest that runs by now must go.
  for (const auto& [rsc, value] : want) {
    auto it = published_guests_.find(rsc);
    if (it != published_guests_.end() && it->second == value) continue;
    if (value.empty()) out.push_back({Command::Kind::kRemoveAttr, "", rsc, kGuestAttrPrefix + rsc, ""});
    else out.push_back({Command::Kind::kSetAttr, "", rsc, kGuestAttrPrefix + rsc, value});
    published_guests_[rsc] = value;
  }
  for (auto it = published_guests_.begin(); it != published_guests_.end();) {
    if (want.count(it->first)) {
      ++it;
      continue;
    }
    if (!it->second.empty())
      out.push_back({Command::Kind::kRemoveAttr, "", it->first, kGuestAttrPrefix + it->first, ""});
    it = published_guests_.erase(it);
  }
}

void Supervisor::publish_health(std::vector<Command>& out) {
  evaluate_rescues(out);
  publish_guests(out);
  std::string storage = policy::to_string(storage_health());
  if (storage != published_storage_) {
    out.push_back({Command::Kind::kSetAttr, "", "", kStorageHealthAttr, storage});
    published_storage_ = storage;
  }
  int paused = paused_count();
  if (paused != published_paused_) {
    out.push_back({Command::Kind::kSetAttr, "", "", kPausedCountAttr, std::to_string(paused)});
    published_paused_ = paused;
  }
}

void Supervisor::journal(std::vector<Command>& out, const std::string& subject,
                         const std::string& what, const std::string& detail) {
  Command c{Command::Kind::kJournal, subject, "", what, detail};
  out.push_back(std::move(c));
}

void Supervisor::mark_io_paused(GuestView& g, int64_t now_wall_s, Millis now,
                                std::vector<Command>& out) {
  if (g.condition == virt::Condition::kPausedIoError) return;
  g.condition = virt::Condition::kPausedIoError;
  journal(out, g.name, "paused on I/O error", "");
  g.resume_failed = g.resumed_from_pause_since > 0 && now - g.resumed_at < opt_.resume_settle;
  if (g.resume_failed) g.paused_since = g.resumed_from_pause_since;
  entered_io_pause(g, now_wall_s, out);
}

void Supervisor::entered_io_pause(GuestView& g, int64_t now_wall_s, std::vector<Command>& out) {
  // Whole seconds: counted from the next one, so a kill deadline can come up
  // to a second late, never early.
  if (g.paused_since == 0) g.paused_since = now_wall_s + 1;
  g.quorum_lost_since_pause = !quorate_;
  if (g.policy && g.policy->paused_since == 0) {
    g.policy->paused_since = g.paused_since;
    // The agent's monitor counts kill_paused_after from this record.
    out.push_back({Command::Kind::kRecordPauseTime, g.name, g.policy->resource, "", "",
                   g.paused_since});
  }
}

std::vector<Command> Supervisor::on_event(const virt::DomainEvent& e, int64_t now_wall_s, Millis now) {
  std::vector<Command> out;
  now_ = now;
  wall_now_s_ = now_wall_s;
  switch (e.kind) {
    case virt::EventKind::kConnected:
      libvirt_connected_ = true;
      libvirt_lost_at_.reset();
      if (published_libvirt_ != "green") {
        out.push_back({Command::Kind::kSetAttr, "", "", kLibvirtHealthAttr, "green"});
        published_libvirt_ = "green";
      }
      journal(out, e.uri, "libvirt connected", "");
      break;
    case virt::EventKind::kDisconnected:
      if (libvirt_connected_ || !libvirt_lost_at_) libvirt_lost_at_ = now;
      libvirt_connected_ = false;
      journal(out, e.uri, "libvirt not answering",
              std::string(virt::to_string(e.disconnect)) + ": " + e.message);
      break;
    case virt::EventKind::kResync: on_resync(e, now_wall_s, out); break;
    case virt::EventKind::kLifecycle: on_lifecycle(e, now_wall_s, now, out); break;
    case virt::EventKind::kIoError: {
      auto it = guests_.find(e.domain);
      journal(out, e.domain, "I/O error",
              (e.io_reason.empty() ? "error" : e.io_reason) + " on " +
                  (e.io_src_path.empty() ? e.io_device : e.io_src_path) + ", QEMU action " +
                  virt::io_action_name(e.io_action));
      if (it != guests_.end() && e.io_action == VIR_DOMAIN_EVENT_IO_ERROR_PAUSE)
        mark_io_paused(it->second, now_wall_s, now, out);
      break;
    }
    case virt::EventKind::kWatchdog:
      journal(out, e.domain, "guest watchdog fired", virt::watchdog_action_name(e.watchdog_action));
      break;
    case virt::EventKind::kControlError:
      journal(out, e.domain, "libvirt lost control of QEMU", "");
      break;
    case virt::EventKind::kMetadata:
      break;  // the daemon re-reads the policy (on_policy)
  }
  publish_health(out);
  return out;
}

void Supervisor::on_resync(const virt::DomainEvent& e, int64_t now_wall_s, std::vector<Command>& out) {
  std::map<std::string, GuestView> fresh;
  for (const auto& d : e.domains) {
    GuestView g;
    g.name = d.name;
    auto old = guests_.find(d.name);
    if (old != guests_.end()) g = old->second;
    virt::Condition before = g.condition;
    g.condition = virt::classify(d.state, d.reason);
    if (!d.active) g.condition = virt::Condition::kAbsent;
    if (g.condition != virt::Condition::kPausedOther) g.shown_paused_for_quorum = false;
    if (d.ha_metadata) {
      if (auto p = virt::parse_ha_policy(*d.ha_metadata)) g.policy = *p;
    }
    if (g.condition == virt::Condition::kPausedIoError) {
      // Paused while the daemon was not listening (libvirtd down, or before
      // the daemon started): journalled like a pause it saw.
      if (before != virt::Condition::kPausedIoError) journal(out, g.name, "paused on I/O error", "found at resync");
      if (g.policy && g.policy->paused_since > 0) g.paused_since = g.policy->paused_since;
      entered_io_pause(g, now_wall_s, out);
    } else {
      g.paused_since = 0;
    }
    if (d.active || d.persistent) fresh[d.name] = std::move(g);
  }
  guests_ = std::move(fresh);
  journal(out, e.uri, "resynchronised", std::to_string(guests_.size()) + " domains");
}

void Supervisor::on_lifecycle(const virt::DomainEvent& e, int64_t now_wall_s, Millis now,
                              std::vector<Command>& out) {
  GuestView& g = guests_[e.domain];
  g.name = e.domain;
  virt::Condition before = g.condition;
  if (e.has_state) g.condition = virt::classify(e.state, e.reason);
  if (g.condition != virt::Condition::kPausedOther) g.shown_paused_for_quorum = false;
  if (e.event == VIR_DOMAIN_EVENT_STARTED) {
    g.paused_since = 0;
    g.resume_failed = false;
    g.paused_by_isolation = false;
    // The agent writes the policy right after start; the next resync or
    // metadata read brings it. Until then the guest is not treated as HA.
  }
  std::string how = virt::lifecycle_name(e.event, e.detail);
  // Every lifecycle event is journalled once: the I/O pause, the resume from
  // it and the stop by their own rows below, the others by their name
  // ("started", "suspended", "resumed", "crashed" for a guest panic, ...).
  // This event is the pause itself (not merely one that left the guest
  // paused, such as an edit of its definition).
  bool io_pause = g.condition == virt::Condition::kPausedIoError && before != virt::Condition::kPausedIoError;
  bool io_resume = g.condition == virt::Condition::kRunning && before == virt::Condition::kPausedIoError;
  if (!io_pause && !io_resume && e.event != VIR_DOMAIN_EVENT_STOPPED)
    journal(out, e.domain, how.substr(0, how.find('/')), how);
  if (io_pause) {
    g.condition = before;
    mark_io_paused(g, now_wall_s, now, out);
  }
  if (io_resume) {
    journal(out, e.domain, "resumed", how);
    g.resumed_from_pause_since = g.paused_since;
    g.resumed_at = now;
    g.paused_since = 0;
    if (g.policy) g.policy->paused_since = 0;
  }
  if (e.event != VIR_DOMAIN_EVENT_STOPPED) return;
  if (e.detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED) rescue_left(g, out);
  g.paused_since = 0;
  bool ours = g.policy && opt_.agent_is_stopping && opt_.agent_is_stopping(g.policy->resource);
  journal(out, e.domain, "stopped", how + (ours ? " (by the resource agent)" : ""));
  if (!g.policy || ours || maintenance_ || g.policy->resource.empty()) return;
  const std::string& rsc = g.policy->resource;
  switch (e.detail) {
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
    case VIR_DOMAIN_EVENT_STOPPED_FAILED:
      // QEMU died: recovery need not wait for the next monitor.
      out.push_back({Command::Kind::kFailResource, e.domain, rsc, "", "QEMU died (" + how + ")"});
      break;
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
      if (g.policy->guest_shutdown == virt::GuestShutdown::kStop)
        out.push_back({Command::Kind::kMarkStopped, e.domain, rsc, "", "guest shut itself down"});
      else
        out.push_back({Command::Kind::kFailResource, e.domain, rsc, "", "guest shut itself down"});
      break;
    default: break;  // destroyed, migrated, saved: someone meant it
  }
}

std::vector<Command> Supervisor::on_storage_health(policy::Health h) {
  std::vector<Command> out;
  if (h != heartbeat_health_)
    journal(out, "storage", std::string("heartbeat ") + policy::to_string(h), "");
  heartbeat_health_ = h;
  publish_health(out);
  return out;
}

std::vector<Command> Supervisor::on_quorum(bool quorate) {
  std::vector<Command> out;
  if (quorate == quorate_) return out;
  quorate_ = quorate;
  journal(out, opt_.node, quorate ? "quorum regained" : "quorum lost", "");
  for (auto& [name, g] : guests_) {
    if (!g.policy) continue;
    if (!quorate) {
      if (g.condition == virt::Condition::kPausedIoError) g.quorum_lost_since_pause = true;
      bool running = g.condition == virt::Condition::kRunning;
      if (policy::on_quorum_lost(opt_.isolation, running, maintenance_) == policy::GuestAction::kPause) {
        g.paused_by_isolation = true;
        g.shown_paused_for_quorum = true;
        out.push_back({Command::Kind::kPause, name, g.policy->resource, "", "quorum lost"});
      }
    } else {
      bool still_paused = g.condition == virt::Condition::kPausedOther ||
                          g.condition == virt::Condition::kRunning;  // pause may not have landed
      if (policy::on_quorum_regained(g.paused_by_isolation, still_paused) == policy::GuestAction::kResume)
        out.push_back({Command::Kind::kResume, name, g.policy->resource, "", "quorum regained"});
      g.paused_by_isolation = false;
    }
  }
  publish_health(out);
  return out;
}

std::vector<Command> Supervisor::on_policy(const std::string& domain,
                                           std::optional<virt::HaPolicy> policy,
                                           int64_t now_wall_s) {
  std::vector<Command> out;
  wall_now_s_ = now_wall_s;
  auto it = guests_.find(domain);
  if (it == guests_.end()) return out;
  GuestView& g = it->second;
  bool was_ha = g.policy.has_value();
  if (policy && g.policy && g.policy->paused_since > 0 && policy->paused_since == 0)
    policy->paused_since = g.policy->paused_since;
  g.policy = std::move(policy);
  if (!was_ha && g.policy && g.condition == virt::Condition::kPausedIoError) {
    if (g.policy->paused_since > 0) g.paused_since = g.policy->paused_since;
    entered_io_pause(g, now_wall_s, out);
  }
  publish_health(out);
  return out;
}

std::string Supervisor::state_of(const std::string& domain) const {
  if (!libvirt_connected_) return "unknown";
  auto it = guests_.find(domain);
  if (it == guests_.end()) return "other absent";
  if (it->second.condition == virt::Condition::kRunning) return "running";
  return "other " + std::to_string(static_cast<int>(it->second.condition));
}

std::vector<Command> Supervisor::on_maintenance(bool on) {
  std::vector<Command> out;
  if (on == maintenance_) return out;
  maintenance_ = on;
  journal(out, opt_.node, on ? "maintenance entered" : "maintenance left", "");
  publish_health(out);
  return out;
}

std::vector<Command> Supervisor::tick(int64_t now_wall_s, Millis now) {
  std::vector<Command> out;
  now_ = now;
  wall_now_s_ = now_wall_s;
  if (!libvirt_connected_ && libvirt_lost_at_ && now - *libvirt_lost_at_ >= opt_.libvirt_grace) {
    std::string want = maintenance_ ? "green" : "red";
    if (published_libvirt_ != want) {
      out.push_back({Command::Kind::kSetAttr, "", "", kLibvirtHealthAttr, want});
      published_libvirt_ = want;
    }
  }
  bool storage_ok = opt_.heartbeat_configured ? heartbeat_health_ == policy::Health::kGreen : true;
  for (auto& [name, g] : guests_) {
    if (!g.policy || g.condition != virt::Condition::kPausedIoError) continue;
    policy::PausedOnIoError p;
    p.behavior = g.policy->resume;
    p.paused_for_s = now_wall_s - g.paused_since;
    p.kill_paused_after_s = g.policy->kill_paused_after_s;
    p.storage_ok = storage_ok;
    p.quorum_lost_since_pause = g.quorum_lost_since_pause || !quorate_;
    p.maintenance = maintenance_;
    switch (policy::decide_paused(p)) {
      case policy::GuestAction::kDestroy:
        out.push_back({Command::Kind::kDestroy, name, g.policy->resource, "",
                       "paused on I/O error past kill_paused_after"});
        // Destroyed: the cluster recovers it, elsewhere if this node is red.
        out.push_back({Command::Kind::kFailResource, name, g.policy->resource, "",
                       "killed after kill_paused_after"});
        g.condition = virt::Condition::kAbsent;
        g.rescue_requested = false;
        break;
      case policy::GuestAction::kResume: {
        // Its disks are on stand-ins (a rescue began): a resume here only
        // pauses it again, and would wait on the migration's job.
        if (g.policy->rescue_since > 0) break;
        auto last = last_resume_try_.find(name);
        if (last != last_resume_try_.end() && now - last->second < opt_.resume_retry)
          break;
        last_resume_try_[name] = now;
        out.push_back({Command::Kind::kResume, name, g.policy->resource, "", "storage answers again"});
        break;
      }
      default: break;
    }
  }
  publish_health(out);
  return out;
}

}  // namespace vmha::eventd
