#include <gtest/gtest.h>

#include "libvmha/policy/guest_actions.h"
#include "libvmha/policy/self_fence.h"
#include "libvmha/policy/storage_health.h"

namespace vmha::policy {
namespace {

TEST(StorageHealth, ThresholdsAndRecovery) {
  StorageHealth h({.yellow_after = 2, .red_after = 4});
  EXPECT_FALSE(h.record(false));
  EXPECT_EQ(h.health(), Health::kGreen);
  EXPECT_TRUE(h.record(false));
  EXPECT_EQ(h.health(), Health::kYellow);
  EXPECT_FALSE(h.record(false));
  EXPECT_TRUE(h.record(false));
  EXPECT_EQ(h.health(), Health::kRed);
  EXPECT_FALSE(h.record(false));
  EXPECT_EQ(h.consecutive_failures(), 5);
  EXPECT_TRUE(h.record(true));
  EXPECT_EQ(h.health(), Health::kGreen);
  EXPECT_EQ(worst(Health::kYellow, Health::kRed), Health::kRed);
  EXPECT_EQ(worst(Health::kGreen, Health::kYellow), Health::kYellow);
  EXPECT_STREQ(to_string(Health::kYellow), "yellow");
}

TEST(ResumeBehaviour, EveryBehaviourAndCondition) {
  using virt::ResumeBehavior;
  PausedOnIoError g;
  g.storage_ok = true;
  g.kill_paused_after_s = 80;
  g.paused_for_s = 10;
  g.behavior = ResumeBehavior::kAutoResume;
  EXPECT_EQ(decide_paused(g), GuestAction::kResume);
  g.behavior = ResumeBehavior::kKill;
  EXPECT_EQ(decide_paused(g), GuestAction::kResume);
  g.behavior = ResumeBehavior::kLeavePaused;
  EXPECT_EQ(decide_paused(g), GuestAction::kNone);

  g.storage_ok = false;
  for (auto b : {ResumeBehavior::kAutoResume, ResumeBehavior::kKill, ResumeBehavior::kLeavePaused}) {
    g.behavior = b;
    EXPECT_EQ(decide_paused(g), GuestAction::kNone);
  }
  g.paused_for_s = 80;
  g.behavior = ResumeBehavior::kKill;
  EXPECT_EQ(decide_paused(g), GuestAction::kDestroy);
  g.behavior = ResumeBehavior::kAutoResume;
  EXPECT_EQ(decide_paused(g), GuestAction::kNone);
}

TEST(ResumeBehaviour, NeverResumesWhatMayRunElsewhere) {
  PausedOnIoError g;
  g.behavior = virt::ResumeBehavior::kAutoResume;
  g.storage_ok = true;
  g.quorum_lost_since_pause = true;
  EXPECT_EQ(decide_paused(g), GuestAction::kNone);
  g.quorum_lost_since_pause = false;
  g.maintenance = true;
  EXPECT_EQ(decide_paused(g), GuestAction::kNone);
}

TEST(Isolation, PauseOnLossResumeOnlyOwnPauses) {
  EXPECT_EQ(on_quorum_lost(IsolationResponse::kPause, true, false), GuestAction::kPause);
  EXPECT_EQ(on_quorum_lost(IsolationResponse::kNone, true, false), GuestAction::kNone);
  EXPECT_EQ(on_quorum_lost(IsolationResponse::kPause, false, false), GuestAction::kNone);
  EXPECT_EQ(on_quorum_lost(IsolationResponse::kPause, true, true), GuestAction::kNone);
  EXPECT_EQ(on_quorum_regained(true, true), GuestAction::kResume);
  EXPECT_EQ(on_quorum_regained(false, true), GuestAction::kNone);
  EXPECT_EQ(on_quorum_regained(true, false), GuestAction::kNone);
}

TEST(SelfFence, XcpNgTable) {
  NodeView v;
  v.watchdog_timeout = Millis(5000);
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kNone);
  v.pill = Pill::kReset;
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kReset);
  v.pill = Pill::kOff;
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kOff);
  v.pill = Pill::kTest;
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kNone);
  v.pill = Pill::kNone;
  // Storage lost but quorate: stay up.
  v.disk_reachable = false;
  v.disk_lost_for = Millis(60000);
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kNone);
  // Both lost, but not yet for the watchdog timeout.
  v.quorate = false;
  v.quorum_lost_for = Millis(4999);
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kNone);
  v.quorum_lost_for = Millis(5000);
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kReset);
  // Network lost alone: the majority fences this node, not itself.
  v.disk_reachable = true;
  EXPECT_EQ(decide_self_fence(v), FenceDecision::kNone);
}

}  // namespace
}  // namespace vmha::policy
