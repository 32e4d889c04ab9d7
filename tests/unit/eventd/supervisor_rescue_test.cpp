#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <algorithm>

#include "libvmha/eventd/supervisor.h"
#include "supervisor_commands.h"

namespace vmha::eventd {
namespace {

std::string policy_xml(const char* behavior, int kill_after, int64_t rescue_since = 0) {
  virt::HaPolicy p;
  p.resource = "web1";
  p.resume = *virt::parse_resume_behavior(behavior);
  p.kill_paused_after_s = kill_after;
  p.rescue_since = rescue_since;
  return virt::to_xml(p);
}

std::vector<std::string> journalled(const std::vector<Command>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs)
    if (c.kind == K::kJournal && c.domain == "web1-dom") out.push_back(c.name + ": " + c.value);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& prefix) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

cluster::ClusterView view(const char* peer_storage = "green", bool allow_migrate = true,
                          bool rule = true) {
  cluster::ClusterView v;
  v.nodes = {{"n1", true, false, false, "red", "green"},
             {"n2", true, false, false, peer_storage, "green"}};
  cluster::ResourceView r;
  r.found = true;
  r.allow_migrate = allow_migrate;
  r.rescue_rule = rule;
  v.resources["web1"] = r;
  return v;
}

class RescueSupervisorTest : public ::testing::Test {
 protected:
  RescueSupervisorTest() : sup_(options()) {}
  static SupervisorOptions options() {
    SupervisorOptions o;
    o.node = "n1";
    o.heartbeat_configured = true;
    return o;
  }

  void start(const std::string& policy) {
    virt::DomainSnapshot d = running("web1-dom", policy);
    virt::DomainEvent c;
    c.kind = virt::EventKind::kConnected;
    sup_.on_event(c, wall_, now_);
    virt::DomainEvent e;
    e.kind = virt::EventKind::kResync;
    e.domains = {d};
    sup_.on_event(e, wall_, now_);
  }
  std::vector<Command> pause_io() {
    return sup_.on_event(
        lifecycle("web1-dom", VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR),
        wall_, now_);
  }
  std::vector<Command> advance(int seconds) {
    wall_ += seconds;
    now_ += Millis(seconds * 1000);
    return sup_.tick(wall_, now_);
  }
  std::vector<Command> see(std::optional<cluster::ClusterView> v) {
    return sup_.on_cluster_view(v, wall_, now_);
  }

  Supervisor sup_;
  int64_t wall_ = 1'000'000;
  Millis now_{50'000};
  const std::string attr_ = "vmha-guest-web1";
};

TEST_F(RescueSupervisorTest, RedStoragePausedGuestAndAGreenPeerAskForTheRescue) {
  start(policy_xml("kill", 80));
  EXPECT_FALSE(sup_.wants_cluster_view());
  EXPECT_EQ(attr(pause_io(), attr_), "paused-io");
  EXPECT_FALSE(sup_.wants_cluster_view()) << "yellow storage: the guest may resume here";
  sup_.on_storage_health(policy::Health::kRed);
  EXPECT_TRUE(sup_.wants_cluster_view());
  EXPECT_EQ(sup_.rescue_resources(), std::vector<std::string>{"web1"});
  auto out = see(view());
  EXPECT_EQ(attr(out, attr_), "rescue");
  EXPECT_TRUE(has(journalled(out),
                  "rescue requested: resource web1, storage red here, green on another node; "
                  "nodes that can take it: n2"))
      << testing::PrintToString(journalled(out));
  // Stable while nothing changes.
  EXPECT_FALSE(attr(advance(1), attr_).has_value());
  // The guest migrates away: the attribute stays until Pacemaker is surely
  // done, i.e. until this node's storage is green again.
  auto gone = sup_.on_event(
      lifecycle("web1-dom", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED), wall_,
      now_);
  EXPECT_FALSE(removes(gone, attr_));
  EXPECT_FALSE(attr(gone, attr_).has_value());
  EXPECT_TRUE(has(journalled(gone), "rescue: left this node"));
  EXPECT_FALSE(sup_.wants_cluster_view());
  EXPECT_FALSE(removes(advance(5), attr_));
  auto green = sup_.on_storage_health(policy::Health::kGreen);
  EXPECT_TRUE(removes(green, attr_));
  std::vector<std::string> lifted;
  for (const auto& c : green)
    if (c.kind == K::kJournal && c.domain == "web1") lifted.push_back(c.name);
  EXPECT_EQ(lifted, std::vector<std::string>{"rescue: ban lifted"});
}

TEST_F(RescueSupervisorTest, AnOrdinaryMigrationAwayRemovesTheAttributeAtOnce) {
  start(policy_xml("kill", 80));
  pause_io();
  auto gone = sup_.on_event(
      lifecycle("web1-dom", VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_MIGRATED), wall_,
      now_);
  EXPECT_TRUE(removes(gone, attr_));
}

TEST_F(RescueSupervisorTest, EveryNodeRedMovesNothingAndTheGuestResumesHere) {
  start(policy_xml("auto_resume", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  auto out = see(view("red"));
  EXPECT_FALSE(attr(out, attr_).has_value());
  EXPECT_TRUE(has(journalled(out), "no rescue: no other online node has green storage"));
  EXPECT_TRUE(of(advance(1), K::kResume).empty()) << "storage still red here";
  sup_.on_storage_health(policy::Health::kGreen);
  EXPECT_EQ(of(advance(1), K::kResume).size(), 1u);
}

TEST_F(RescueSupervisorTest, TheRuleIsCreatedBeforeTheRequestAndRetriedIfItDoesNotShow) {
  start(policy_xml("kill", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  auto out = see(view("green", true, false));
  auto create = of(out, K::kCreateRescueRule);
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(create[0].resource, "web1");
  EXPECT_EQ(create[0].name, "vmha-rescue-web1");
  EXPECT_FALSE(attr(out, attr_).has_value()) << "never asked before the rule exists";
  EXPECT_TRUE(of(see(view("green", true, false)), K::kCreateRescueRule).empty())
      << "not twice at once";
  EXPECT_EQ(of(advance(5), K::kCreateRescueRule).size(), 1u) << "asked again after 5 s";
  EXPECT_EQ(attr(see(view()), attr_), "rescue");
}

TEST_F(RescueSupervisorTest, NoAllowMigrateIsJournalledOnceAndNothingIsAsked) {
  start(policy_xml("kill", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  auto out = see(view("green", false));
  EXPECT_TRUE(has(journalled(out), "no rescue: allow-migrate is not true"));
  EXPECT_TRUE(of(out, K::kCreateRescueRule).empty());
  EXPECT_TRUE(journalled(see(view("green", false))).empty()) << "journalled once";
  EXPECT_FALSE(attr(advance(1), attr_).has_value());
}

TEST_F(RescueSupervisorTest, StorageBackBeforePacemakerActsWithdrawsTheRequest) {
  start(policy_xml("kill", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  EXPECT_EQ(attr(see(view()), attr_), "rescue");
  auto back = sup_.on_storage_health(policy::Health::kYellow);
  auto out = advance(1);
  out.insert(out.begin(), back.begin(), back.end());
  EXPECT_EQ(attr(out, attr_), "paused-io");
  EXPECT_TRUE(has(journalled(out), "rescue withdrawn: this node's storage is yellow"));
}

TEST_F(RescueSupervisorTest, ACommittedGuestIsNotResumedHereAndStaysAsked) {
  start(policy_xml("auto_resume", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  EXPECT_EQ(attr(see(view()), attr_), "rescue");
  // migrate_to moved its disks onto stand-ins and marked it.
  virt::HaPolicy p = *virt::parse_ha_policy(policy_xml("auto_resume", 80, wall_));
  sup_.on_policy("web1-dom", p, wall_);
  sup_.on_storage_health(policy::Health::kGreen);
  auto out = advance(2);
  EXPECT_TRUE(of(out, K::kResume).empty()) << "a resume on stand-ins only pauses it again";
  EXPECT_FALSE(attr(out, attr_).has_value()) << "unchanged: still rescue";
  EXPECT_TRUE(journalled(out).empty());
}

TEST_F(RescueSupervisorTest, QuorumLostWithdrawsAndAnUnreadableCibAsksNothing) {
  start(policy_xml("kill", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  auto unread = see(std::nullopt);
  EXPECT_TRUE(has(journalled(unread), "no rescue: the cluster's state could not be read"));
  EXPECT_EQ(attr(see(view()), attr_), "rescue");
  auto lost = sup_.on_quorum(false);
  EXPECT_EQ(attr(lost, attr_), "paused-io");
  EXPECT_TRUE(has(journalled(lost), "rescue withdrawn: quorum was lost"));
  sup_.on_quorum(true);
  EXPECT_FALSE(attr(see(view()), attr_).has_value()) << "quorum lost since the pause: never again";
}

TEST_F(RescueSupervisorTest, LeavePausedAndMaintenanceAreNeverRescued) {
  start(policy_xml("leave_paused", 80));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  EXPECT_FALSE(sup_.wants_cluster_view());
  auto out = see(view());
  EXPECT_FALSE(attr(out, attr_).has_value());
  EXPECT_TRUE(journalled(out).empty());
}

TEST_F(RescueSupervisorTest, TheKillDeadlineStaysTheBackstop) {
  start(policy_xml("kill", 10));
  pause_io();
  sup_.on_storage_health(policy::Health::kRed);
  EXPECT_EQ(attr(see(view()), attr_), "rescue");
  auto late = advance(11);
  EXPECT_EQ(of(late, K::kDestroy).size(), 1u);
  EXPECT_EQ(of(late, K::kFailResource).size(), 1u);
}

}  // namespace
}  // namespace vmha::eventd
