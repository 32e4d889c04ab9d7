#include "libvmha/eventd/supervisor.h"

#include "supervisor_commands.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <algorithm>

namespace vmha::eventd {
namespace {

std::string policy_xml(const char* behavior, int kill_after, const char* shutdown = "restart",
                       const char* resource = nullptr) {
  virt::HaPolicy p;
  p.resource = std::string("rsc-") + (resource ? resource : behavior);
  p.resume = *virt::parse_resume_behavior(behavior);
  p.kill_paused_after_s = kill_after;
  p.guest_shutdown = *virt::parse_guest_shutdown(shutdown);
  return virt::to_xml(p);
}

std::vector<std::string> journalled(const std::vector<Command>& cs, const std::string& domain) {
  std::vector<std::string> whats;
  for (const auto& c : cs)
    if (c.kind == K::kJournal && c.domain == domain) whats.push_back(c.name);
  return whats;
}

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest()
      : sup_(SupervisorOptions{.node = "n1", .agent_is_stopping = [](const std::string& rsc) {
                                 return rsc == "rsc-ours";
                               }}) {}

  std::vector<Command> resync(std::vector<virt::DomainSnapshot> ds) {
    virt::DomainEvent c;
    c.kind = virt::EventKind::kConnected;
    auto out = sup_.on_event(c, wall_, now_);
    virt::DomainEvent e;
    e.kind = virt::EventKind::kResync;
    e.domains = std::move(ds);
    auto more = sup_.on_event(e, wall_, now_);
    out.insert(out.end(), more.begin(), more.end());
    return out;
  }
  std::vector<Command> event(const virt::DomainEvent& e) { return sup_.on_event(e, wall_, now_); }
  std::vector<Command> pause_io(const std::string& name) {
    return event(lifecycle(name, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR));
  }
  std::vector<Command> advance(int seconds) {
    wall_ += seconds;
    now_ += Millis(seconds * 1000);
    return sup_.tick(wall_, now_);
  }

  Supervisor sup_;
  int64_t wall_ = 1'000'000;
  Millis now_{50'000};
};

TEST_F(SupervisorTest, IoPauseRaisesHealthAndRecordsTheTime) {
  auto first = resync({running("a", policy_xml("kill", 10)), running("plain", std::nullopt)});
  EXPECT_EQ(attr(first, kStorageHealthAttr), "green");
  EXPECT_EQ(attr(first, kPausedCountAttr), "0");
  EXPECT_EQ(attr(first, kLibvirtHealthAttr), "green");

  auto out = pause_io("a");
  EXPECT_EQ(attr(out, kStorageHealthAttr), "yellow");
  EXPECT_EQ(attr(out, kPausedCountAttr), "1");
  auto rec = of(out, K::kRecordPauseTime);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].paused_since, wall_ + 1) << "rounded up: never early";
  EXPECT_FALSE(of(out, K::kJournal).empty());
  // A non-HA guest pausing is journalled but is nobody's business.
  auto plain = pause_io("plain");
  EXPECT_TRUE(of(plain, K::kRecordPauseTime).empty());
  EXPECT_FALSE(attr(plain, kPausedCountAttr).has_value());
}

TEST_F(SupervisorTest, KillResumesInTimeThenDestroysAtTheDeadline) {
  resync({running("a", policy_xml("kill", 10))});
  pause_io("a");
  auto t1 = advance(1);
  ASSERT_EQ(of(t1, K::kResume).size(), 1u);
  EXPECT_TRUE(of(advance(1), K::kResume).size() <= 1u);
  auto late = advance(9);
  ASSERT_EQ(of(late, K::kDestroy).size(), 1u);
  ASSERT_EQ(of(late, K::kFailResource).size(), 1u);
  EXPECT_EQ(of(late, K::kFailResource)[0].resource, "rsc-kill");
  EXPECT_TRUE(of(advance(1), K::kDestroy).empty()) << "destroyed once";
}

TEST_F(SupervisorTest, LeavePausedIsLeftAlone) {
  resync({running("a", policy_xml("leave_paused", 1))});
  pause_io("a");
  auto out = advance(5);
  EXPECT_TRUE(of(out, K::kResume).empty());
  EXPECT_TRUE(of(out, K::kDestroy).empty());
}

TEST_F(SupervisorTest, ResumeWaitsForAGreenHeartbeat) {
  SupervisorOptions o;
  o.node = "n1";
  o.heartbeat_configured = true;
  Supervisor sup(o);
  virt::DomainEvent r;
  r.kind = virt::EventKind::kResync;
  r.domains = {running("a", policy_xml("auto_resume", 80))};
  sup.on_event(r, wall_, now_);
  sup.on_event(lifecycle("a", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR), wall_, now_);
  auto red = sup.on_storage_health(policy::Health::kRed);
  EXPECT_EQ(attr(red, kStorageHealthAttr), "red");
  EXPECT_TRUE(of(sup.tick(wall_ + 3, now_ + Millis(3000)), K::kResume).empty());
  auto green = sup.on_storage_health(policy::Health::kGreen);
  EXPECT_EQ(attr(green, kStorageHealthAttr), "yellow") << "the guest is still paused";
  EXPECT_EQ(of(sup.tick(wall_ + 4, now_ + Millis(4000)), K::kResume).size(), 1u);
  auto resumed = sup.on_event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
                              wall_, now_);
  EXPECT_EQ(attr(resumed, kStorageHealthAttr), "green");
  EXPECT_EQ(attr(resumed, kPausedCountAttr), "0");
}

TEST_F(SupervisorTest, ResumesOnFailingStorageDoNotFlapTheAttributes) {
  resync({running("a", policy_xml("auto_resume", 80))});
  pause_io("a");
  // Each retry: resumed, paused again at the next write. The first resume
  // clears the attributes (it may well hold); once one did not, the next
  // ones change nothing until they hold for resume_settle.
  for (int i = 0; i < 5; ++i) {
    std::vector<Command> all = advance(1);
    auto r = event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
    all.insert(all.end(), r.begin(), r.end());
    auto p = pause_io("a");
    all.insert(all.end(), p.begin(), p.end());
    if (i == 0) {
      EXPECT_EQ(attr(r, kPausedCountAttr), "0");
      continue;
    }
    EXPECT_TRUE(of(all, K::kSetAttr).empty()) << "retry " << i;
    EXPECT_TRUE(of(all, K::kRemoveAttr).empty()) << "retry " << i;
  }
  // A resume that holds clears them once it has settled.
  advance(1);
  auto r = event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
  EXPECT_FALSE(attr(r, kPausedCountAttr).has_value());
  auto settled = advance(6);
  EXPECT_EQ(attr(settled, kPausedCountAttr), "0");
  EXPECT_EQ(attr(settled, kStorageHealthAttr), "green");
  EXPECT_TRUE(removes(settled, "vmha-guest-rsc-auto_resume"));
}

TEST_F(SupervisorTest, AnOldDefinitionOfTheSameResourceDoesNotHideThePause) {
  // "z" is what a rename left behind: shut off, same resource in its metadata.
  auto old_def = running("z", policy_xml("auto_resume", 80, "restart", "web"));
  old_def.state = VIR_DOMAIN_SHUTOFF;
  old_def.reason = VIR_DOMAIN_SHUTOFF_SHUTDOWN;
  old_def.active = false;
  old_def.persistent = true;
  resync({running("a", policy_xml("auto_resume", 80, "restart", "web")), old_def});
  auto out = pause_io("a");
  EXPECT_EQ(attr(out, "vmha-guest-rsc-web"), "paused-io");
  EXPECT_FALSE(removes(out, "vmha-guest-rsc-web"));
}

TEST_F(SupervisorTest, QuorumLossPausesAndRegainResumesOnlyOwnPauses) {
  resync({running("a", policy_xml("auto_resume", 80)), running("b", policy_xml("auto_resume", 80)),
          running("plain", std::nullopt)});
  pause_io("b");
  auto lost = sup_.on_quorum(false);
  auto pauses = of(lost, K::kPause);
  ASSERT_EQ(pauses.size(), 1u);
  EXPECT_EQ(pauses[0].domain, "a");
  event(lifecycle("a", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
  auto regained = sup_.on_quorum(true);
  auto resumes = of(regained, K::kResume);
  ASSERT_EQ(resumes.size(), 1u);
  EXPECT_EQ(resumes[0].domain, "a");
  // b paused on I/O while quorum was lost: it may have been restarted
  // elsewhere, so it is never resumed here.
  EXPECT_TRUE(of(advance(3), K::kResume).empty());
}

TEST_F(SupervisorTest, PerGuestAttributeFollowsItsStateAndGoesWhenItRuns) {
  auto first = resync({running("a", policy_xml("auto_resume", 80)), running("plain", std::nullopt)});
  // Seen first: removed, in case an earlier daemon left one behind.
  EXPECT_TRUE(removes(first, "vmha-guest-rsc-auto_resume"));
  auto paused = pause_io("a");
  EXPECT_EQ(attr(paused, "vmha-guest-rsc-auto_resume"), "paused-io");
  EXPECT_TRUE(of(pause_io("a"), K::kSetAttr).empty()) << "unchanged: nothing sent";
  auto resumed = event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
  EXPECT_TRUE(removes(resumed, "vmha-guest-rsc-auto_resume"));
  // Isolation: paused-quorum from the pause until it runs, not "paused"
  // between the regain and the resume landing.
  sup_.on_quorum(false);
  auto iso = event(lifecycle("a", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED));
  EXPECT_EQ(attr(iso, "vmha-guest-rsc-auto_resume"), "paused-quorum");
  EXPECT_FALSE(attr(sup_.on_quorum(true), "vmha-guest-rsc-auto_resume").has_value());
  EXPECT_TRUE(removes(event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)),
                      "vmha-guest-rsc-auto_resume"));
  // An administrator's pause, then a guest panic kept by libvirt.
  EXPECT_EQ(attr(event(lifecycle("a", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)),
                 "vmha-guest-rsc-auto_resume"), "paused");
  EXPECT_EQ(attr(event(lifecycle("a", VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED)),
                 "vmha-guest-rsc-auto_resume"), "crashed");
  // Stopped: the cluster's own status says so; the attribute goes.
  EXPECT_TRUE(removes(event(lifecycle("a", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED)),
                      "vmha-guest-rsc-auto_resume"));
  // Non-HA guests have none.
  for (const auto& c : pause_io("plain")) EXPECT_NE(c.name.rfind("vmha-guest-", 0), 0u) << c.name;
}

TEST_F(SupervisorTest, EveryLifecycleEventIsJournalledOnce) {
  resync({running("a", policy_xml("auto_resume", 80))});
  using W = std::vector<std::string>;
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)), "a"),
            W{"suspended"});
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)), "a"),
            W{"resumed"});
  EXPECT_EQ(journalled(pause_io("a"), "a"), W{"paused on I/O error"});
  // Events that change no state (an edit of the definition) while paused on
  // I/O are journalled too.
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_UPDATED)), "a"),
            W{"defined"});
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED)), "a"),
            W{"resumed"});
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED)), "a"),
            W{"crashed"});
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED)), "a"),
            W{"stopped"});
  EXPECT_EQ(journalled(event(lifecycle("a", VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED)), "a"),
            W{"started"});
  auto row = of(event(lifecycle("a", VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST)), K::kJournal);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0].name, "shutdown");
  EXPECT_EQ(row[0].value.rfind("shutdown/", 0), 0u) << "detail names how: " << row[0].value;
}

TEST_F(SupervisorTest, StopsAreToldApart) {
  resync({running("crash", policy_xml("kill", 80)), running("bye", policy_xml("kill", 80, "stop")),
          running("again", policy_xml("kill", 80, "restart")), running("ours", policy_xml("kill", 80, "restart", "ours")),
          running("admin", policy_xml("kill", 80))});
  auto crash = event(lifecycle("crash", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED));
  ASSERT_EQ(of(crash, K::kFailResource).size(), 1u);
  auto bye = event(lifecycle("bye", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN));
  EXPECT_EQ(of(bye, K::kMarkStopped).size(), 1u);
  EXPECT_TRUE(of(bye, K::kFailResource).empty());
  auto again = event(lifecycle("again", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN));
  EXPECT_EQ(of(again, K::kFailResource).size(), 1u);
  auto ours = event(lifecycle("ours", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN));
  EXPECT_TRUE(of(ours, K::kFailResource).empty());
  EXPECT_TRUE(of(ours, K::kMarkStopped).empty());
  auto admin = event(lifecycle("admin", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
  EXPECT_TRUE(of(admin, K::kFailResource).empty());
}

TEST_F(SupervisorTest, LibvirtHealthRedAfterGraceGreenOnReconnect) {
  resync({});
  virt::DomainEvent down;
  down.kind = virt::EventKind::kDisconnected;
  down.disconnect = virt::DisconnectReason::kKeepalive;
  event(down);
  EXPECT_FALSE(attr(advance(1), kLibvirtHealthAttr).has_value()) << "within the grace period";
  EXPECT_EQ(attr(advance(2), kLibvirtHealthAttr), "red");
  virt::DomainEvent up;
  up.kind = virt::EventKind::kConnected;
  EXPECT_EQ(attr(event(up), kLibvirtHealthAttr), "green");
}

TEST_F(SupervisorTest, MaintenanceSilencesAlarmsAndActions) {
  resync({running("a", policy_xml("kill", 1)), running("c", policy_xml("kill", 80))});
  auto on = sup_.on_maintenance(true);
  pause_io("a");
  auto out = advance(5);
  EXPECT_TRUE(of(out, K::kDestroy).empty());
  EXPECT_TRUE(of(out, K::kResume).empty());
  EXPECT_EQ(sup_.storage_health(), policy::Health::kGreen);
  auto crash = event(lifecycle("c", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_CRASHED));
  EXPECT_TRUE(of(crash, K::kFailResource).empty());
  EXPECT_TRUE(of(sup_.on_quorum(false), K::kPause).empty());
  auto off = sup_.on_maintenance(false);
  EXPECT_EQ(attr(off, kStorageHealthAttr), "yellow");
}

}  // namespace
}  // namespace vmha::eventd

namespace vmha::eventd {
namespace {

TEST_F(SupervisorTest, FailedResumesDoNotPushTheKillDeadlineBack) {
  resync({running("a", policy_xml("kill", 6))});
  pause_io("a");
  for (int i = 0; i < 5; ++i) {
    auto t = advance(1);
    if (!of(t, K::kDestroy).empty()) FAIL() << "destroyed early at " << i;
    if (!of(t, K::kResume).empty()) {
      // The resume lands, storage still fails, QEMU pauses it again.
      event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
      pause_io("a");
    }
  }
  EXPECT_TRUE(of(advance(1), K::kDestroy).empty()) << "6 s after a pause recorded from the next second";
  EXPECT_EQ(of(advance(1), K::kDestroy).size(), 1u);
}

}  // namespace
}  // namespace vmha::eventd

namespace vmha::eventd {
namespace {

TEST_F(SupervisorTest, IoErrorEventBeforeLifecycleKeepsTheDeadline) {
  resync({running("a", policy_xml("kill", 6))});
  virt::DomainEvent io;
  io.kind = virt::EventKind::kIoError;
  io.domain = "a";
  io.io_action = VIR_DOMAIN_EVENT_IO_ERROR_PAUSE;
  for (int i = 0; i < 5; ++i) {
    event(io);
    pause_io("a");
    auto t = advance(1);
    if (!of(t, K::kDestroy).empty()) FAIL() << "destroyed early at " << i;
    if (!of(t, K::kResume).empty())
      event(lifecycle("a", VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED));
  }
  event(io);
  EXPECT_TRUE(of(advance(1), K::kDestroy).empty());
  EXPECT_EQ(of(advance(1), K::kDestroy).size(), 1u);
}

}  // namespace
}  // namespace vmha::eventd
