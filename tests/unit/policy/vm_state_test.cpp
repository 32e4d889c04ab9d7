#include "libvmha/policy/vm_state.h"

#include <gtest/gtest.h>

namespace vmha::policy {
namespace {

using virt::Condition;
using virt::Liveness;
using virt::ResumeBehavior;

Observation answered(Condition c) {
  Observation o;
  o.condition = c;
  o.condition_text = "x";
  return o;
}

TEST(VmState, EveryConditionMapsToTheDocumentedCode) {
  struct Row {
    Condition c;
    ocf::Rc rc;
  } rows[] = {
      {Condition::kRunning, ocf::Rc::kSuccess},
      {Condition::kPausedMigration, ocf::Rc::kSuccess},
      {Condition::kPausedOther, ocf::Rc::kDegraded},
      {Condition::kShuttingDown, ocf::Rc::kDegraded},
      {Condition::kPmSuspended, ocf::Rc::kDegraded},
      {Condition::kAbsent, ocf::Rc::kNotRunning},
      {Condition::kShutOffByGuest, ocf::Rc::kNotRunning},
      {Condition::kShutOffCrashed, ocf::Rc::kNotRunning},
      {Condition::kShutOffOther, ocf::Rc::kNotRunning},
      {Condition::kGuestCrashed, ocf::Rc::kNotRunning},
      {Condition::kUnknown, ocf::Rc::kErrGeneric},
  };
  for (const auto& r : rows) EXPECT_EQ(assess(answered(r.c)).rc, r.rc) << static_cast<int>(r.c);
}

TEST(VmState, PausedOnIoErrorPerResumeBehavior) {
  Observation o = answered(Condition::kPausedIoError);
  o.kill_paused_after_s = 80;
  o.paused_for_s = 10;
  o.resume = ResumeBehavior::kLeavePaused;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  EXPECT_EQ(assess(o).followup, Followup::kNone);
  o.resume = ResumeBehavior::kAutoResume;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  EXPECT_EQ(assess(o).followup, Followup::kTryResume);
  o.resume = ResumeBehavior::kKill;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  EXPECT_EQ(assess(o).followup, Followup::kTryResume);
}

TEST(VmState, KillDeadlineIsInclusive) {
  Observation o = answered(Condition::kPausedIoError);
  o.resume = ResumeBehavior::kKill;
  o.kill_paused_after_s = 80;
  o.paused_for_s = 79;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  o.paused_for_s = 80;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kNotRunning);
  EXPECT_EQ(assess(o).followup, Followup::kDestroy);
  // Other behaviours never kill, however long the pause.
  o.paused_for_s = 100000;
  o.resume = ResumeBehavior::kAutoResume;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  o.resume = ResumeBehavior::kLeavePaused;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
}

TEST(VmState, GuestShutdownHonoursSetting) {
  Observation o = answered(Condition::kShutOffByGuest);
  o.started_here = true;
  o.guest_shutdown = virt::GuestShutdown::kRestart;
  EXPECT_EQ(assess(o).followup, Followup::kNone);
  o.guest_shutdown = virt::GuestShutdown::kStop;
  EXPECT_EQ(assess(o).followup, Followup::kMarkStopped);
  EXPECT_EQ(assess(o).rc, ocf::Rc::kNotRunning);
  // A crash is never taken for a wish to stay stopped.
  Observation crash = answered(Condition::kShutOffCrashed);
  crash.guest_shutdown = virt::GuestShutdown::kStop;
  EXPECT_EQ(assess(crash).followup, Followup::kNone);
}

TEST(VmState, ShutdownNotStartedHereIsNeverTheGuestsWish) {
  // E.g. a probe after this agent's own graceful stop (same libvirt reason).
  Observation o = answered(Condition::kShutOffByGuest);
  o.guest_shutdown = virt::GuestShutdown::kStop;
  o.started_here = false;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kNotRunning);
  EXPECT_EQ(assess(o).followup, Followup::kNone);
}

TEST(VmState, SilentDaemonIsNeverNotRunningWhileQemuLives) {
  Observation o;
  o.daemon_answered = false;
  o.daemon_problem = "timed out";
  o.qemu = Liveness::kRunning;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kDegraded);
  o.qemu = Liveness::kUnknown;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kErrGeneric);
  o.qemu = Liveness::kNotRunning;
  EXPECT_EQ(assess(o).rc, ocf::Rc::kNotRunning);
}

}  // namespace
}  // namespace vmha::policy
