#include "libvmha/vm/shutdown_budget.h"

#include <gtest/gtest.h>

namespace vmha::vm {
namespace {

Context stop_context(ManualClock& clock, int64_t shutdown_timeout_s, int64_t stop_timeout_ms) {
  VmConfig cfg;
  cfg.shutdown_budget = Millis(shutdown_timeout_s * 1000);
  ocf::CallInfo call;
  call.action = "stop";
  call.timeout_ms = stop_timeout_ms;
  return Context(std::move(cfg), call, clock, Millis(stop_timeout_ms), "/nonexistent");
}

TEST(ShutdownBudget, DefaultIsTwoThirdsOfTheUsableStopTimeout) {
  ManualClock clock;
  // 90 s stop timeout: 3 s are kept for the report, two thirds of 87 s wait.
  EXPECT_EQ(shutdown_budget(stop_context(clock, 0, 90'000)), Millis(58'000));
  // A short timeout keeps 10 %: 9 s usable, 6 s for the guest.
  EXPECT_EQ(shutdown_budget(stop_context(clock, 0, 10'000)), Millis(6'000));
}

TEST(ShutdownBudget, DefaultShrinksAsTheStopRuns) {
  ManualClock clock;
  Context ctx = stop_context(clock, 0, 90'000);
  clock.advance(Millis(27'000));  // e.g. a failed save before the shutdown
  EXPECT_EQ(shutdown_budget(ctx), Millis(40'000));
}

TEST(ShutdownBudget, ShutdownTimeoutIsCappedByTheOperation) {
  ManualClock clock;
  EXPECT_EQ(shutdown_budget(stop_context(clock, 20, 90'000)), Millis(20'000));
  EXPECT_EQ(shutdown_budget(stop_context(clock, 200, 90'000)), Millis(87'000));
}

}  // namespace
}  // namespace vmha::vm
