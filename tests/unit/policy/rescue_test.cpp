#include "libvmha/policy/rescue.h"

#include <gtest/gtest.h>

namespace vmha::policy {
namespace {

using virt::ResumeBehavior;

RescuePeer peer(const char* name, const char* storage = "green") {
  return {name, true, false, false, storage, "green"};
}

// Everything that allows a rescue.
RescueInputs ready() {
  RescueInputs in;
  in.behavior = ResumeBehavior::kKill;
  in.paused_for_s = 2;
  in.kill_paused_after_s = 80;
  in.local_storage = Health::kRed;
  in.view_known = true;
  in.resource_found = true;
  in.allow_migrate = true;
  in.rescue_rule = true;
  in.peers = {peer("n2"), peer("n3", "red")};
  return in;
}

TEST(Rescue, AskedWhenEverythingHolds) {
  RescueDecision d = decide_rescue(ready());
  EXPECT_EQ(d.step, RescueStep::kRequest);
  EXPECT_EQ(d.targets, std::vector<std::string>{"n2"});
}

TEST(Rescue, EachConditionAloneStopsIt) {
  struct Case {
    const char* why;
    void (*spoil)(RescueInputs&);
  };
  const Case cases[] = {
      {"resume_behavior=leave_paused",
       [](RescueInputs& i) { i.behavior = ResumeBehavior::kLeavePaused; }},
      {"this node is in maintenance", [](RescueInputs& i) { i.maintenance = true; }},
      {"quorum was lost", [](RescueInputs& i) { i.quorate = false; }},
      {"quorum was lost", [](RescueInputs& i) { i.quorum_lost_since_pause = true; }},
      {"storage is yellow, not red", [](RescueInputs& i) { i.local_storage = Health::kYellow; }},
      {"storage is green, not red", [](RescueInputs& i) { i.local_storage = Health::kGreen; }},
      {"too close to kill_paused_after", [](RescueInputs& i) { i.paused_for_s = 78; }},
      {"could not be read", [](RescueInputs& i) { i.view_known = false; }},
      {"maintenance-mode", [](RescueInputs& i) { i.cluster_maintenance = true; }},
      {"not in the CIB", [](RescueInputs& i) { i.resource_found = false; }},
      {"is in g1", [](RescueInputs& i) { i.parent = "g1"; }},
      {"unmanaged", [](RescueInputs& i) { i.managed = false; }},
      {"allow-migrate is not true", [](RescueInputs& i) { i.allow_migrate = false; }},
      {"no other online node has green storage", [](RescueInputs& i) { i.peers.clear(); }},
      {"no other online node", [](RescueInputs& i) { i.peers = {peer("n2", "yellow")}; }},
      {"no other online node", [](RescueInputs& i) { i.peers[0].online = false; }},
      {"no other online node", [](RescueInputs& i) { i.peers[0].standby = true; }},
      {"no other online node", [](RescueInputs& i) { i.peers[0].maintenance = true; }},
      {"no other online node", [](RescueInputs& i) { i.peers[0].libvirt = "red"; }},
      {"no other online node", [](RescueInputs& i) { i.peers[0].storage = ""; }},
  };
  for (const Case& c : cases) {
    RescueInputs in = ready();
    c.spoil(in);
    RescueDecision d = decide_rescue(in);
    EXPECT_EQ(d.step, RescueStep::kNone) << c.why;
    EXPECT_NE(d.reason.find(c.why), std::string::npos) << d.reason;
  }
}

TEST(Rescue, TheRuleIsCreatedFirst) {
  RescueInputs in = ready();
  in.rescue_rule = false;
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kCreateRule);
  in.allow_migrate = false;  // never a rule for a resource that cannot migrate
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kNone);
}

TEST(Rescue, ACommittedGuestLeavesWhateverThisNodesStorageDoes) {
  RescueInputs in = ready();
  in.local_storage = Health::kGreen;
  in.committed = true;
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kRequest);
}

TEST(Rescue, TheKillMarginAppliesOnlyBeforeTheRequest) {
  RescueInputs in = ready();
  in.paused_for_s = 77;  // 3 s left: still asked
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kRequest);
  in.paused_for_s = 78;
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kNone);
  in.already_requested = true;  // asked before: kept until the kill
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kRequest);
  in.already_requested = false;
  in.behavior = ResumeBehavior::kAutoResume;  // no deadline
  in.paused_for_s = 10'000;
  EXPECT_EQ(decide_rescue(in).step, RescueStep::kRequest);
}

TEST(Rescue, EveryNodesStorageFailingMovesNothing) {
  RescueInputs in = ready();
  in.peers = {peer("n2", "red"), peer("n3", "red")};
  RescueDecision d = decide_rescue(in);
  EXPECT_EQ(d.step, RescueStep::kNone);
  EXPECT_NE(d.reason.find("resumes here once storage returns"), std::string::npos);
}

// Every combination of the inputs against the rule written out once more.
TEST(Rescue, Exhaustive) {
  const ResumeBehavior behaviors[] = {ResumeBehavior::kAutoResume, ResumeBehavior::kLeavePaused,
                                      ResumeBehavior::kKill};
  const Health healths[] = {Health::kGreen, Health::kYellow, Health::kRed};
  const int64_t paused[] = {0, 76, 77, 78, 200};
  const std::vector<RescuePeer> peer_sets[] = {
      {}, {peer("a")}, {peer("a", "red")}, {peer("a", "yellow"), peer("b")}, {[] {
        RescuePeer p = peer("a");
        p.standby = true;
        return p;
      }()}};
  int requests = 0, total = 0;
  for (auto b : behaviors)
    for (auto h : healths)
      for (int64_t p : paused)
        for (const auto& peers : peer_sets)
          for (int bits = 0; bits < (1 << 11); ++bits) {
            RescueInputs in;
            in.behavior = b;
            in.local_storage = h;
            in.paused_for_s = p;
            in.kill_paused_after_s = 80;
            in.peers = peers;
            in.quorate = bits & 1;
            in.quorum_lost_since_pause = bits & 2;
            in.maintenance = bits & 4;
            in.committed = bits & 8;
            in.already_requested = bits & 16;
            in.view_known = bits & 32;
            in.cluster_maintenance = bits & 64;
            in.resource_found = bits & 128;
            in.allow_migrate = bits & 256;
            in.managed = bits & 512;
            in.rescue_rule = bits & 1024;
            bool target = false;
            for (const auto& x : peers)
              target = target || (x.online && !x.standby && !x.maintenance && x.storage == "green");
            bool go = b != ResumeBehavior::kLeavePaused && !in.maintenance && in.quorate &&
                      !in.quorum_lost_since_pause && (h == Health::kRed || in.committed) &&
                      (b != ResumeBehavior::kKill || in.already_requested || p <= 77) &&
                      in.view_known && !in.cluster_maintenance && in.resource_found && in.managed &&
                      in.allow_migrate && target;
            RescueStep want = !go              ? RescueStep::kNone
                              : in.rescue_rule ? RescueStep::kRequest
                                               : RescueStep::kCreateRule;
            RescueDecision d = decide_rescue(in);
            ASSERT_EQ(d.step, want) << "bits " << bits << " paused " << p << " " << d.reason;
            ASSERT_FALSE(d.reason.empty());
            ASSERT_EQ(d.targets.empty(), want == RescueStep::kNone);
            requests += want == RescueStep::kRequest;
            ++total;
          }
  EXPECT_GT(requests, 0);
  EXPECT_EQ(total, 3 * 3 * 5 * 5 * 2048);
}

}  // namespace
}  // namespace vmha::policy
