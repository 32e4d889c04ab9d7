#include "libvmha/fence/driver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "libvmha/fence/exit_code.h"

namespace vmha::fence {
namespace {

// A target whose state changes `lag` status calls after a request.
class FakeDevice : public PowerDevice {
 public:
  PowerState state = PowerState::kOn;
  std::optional<PowerState> pending;
  int lag = 0;
  bool ignore_on = false;
  std::optional<Error> status_error;
  std::vector<std::string> calls;

  Result<PowerState> status() override {
    calls.push_back("status");
    if (status_error) return *status_error;
    if (pending && lag-- <= 0) {
      state = *pending;
      pending.reset();
    }
    return state;
  }
  Status power_on() override {
    calls.push_back("on");
    if (!ignore_on) pending = PowerState::kOn;
    return ok_status();
  }
  Status power_off() override {
    calls.push_back("off");
    pending = PowerState::kOff;
    return ok_status();
  }
  Status power_cycle() override {
    calls.push_back("cycle");
    return ok_status();
  }
  Result<std::vector<Outlet>> list() override {
    return std::vector<Outlet>{{"n1", "n1", PowerState::kOn}, {"n2", "n2", std::nullopt}};
  }
  Status monitor() override { return ok_status(); }
};

struct Outcome {
  Result<int> result;
  std::string out;
};

Outcome run(Action a, FakeDevice& d, ManualClock& clock, Method m = Method::kOnOff) {
  DriverTiming t{Millis(2000), Millis(10'000), Millis(1000)};
  std::ostringstream out;
  auto r = run_action(a, m, t, d, clock, out);
  return {std::move(r), out.str()};
}

TEST(FenceDriver, StatusPrintsAndOffIsTwo) {
  FakeDevice d;
  ManualClock clock;
  Outcome on = run(Action::kStatus, d, clock);
  EXPECT_EQ(on.result.value(), 0);
  EXPECT_EQ(on.out, "Status: ON\n");
  d.state = PowerState::kOff;
  Outcome off = run(Action::kStatus, d, clock);
  EXPECT_EQ(off.result.value(), 2);
  EXPECT_EQ(off.out, "Status: OFF\n");
}

TEST(FenceDriver, OffWaitsPowerWaitThenPollsUntilConfirmed) {
  FakeDevice d;
  d.lag = 3;
  ManualClock clock;
  Outcome r = run(Action::kOff, d, clock);
  EXPECT_EQ(r.result.value(), 0);
  EXPECT_EQ(r.out, "Success: Powered OFF\n");
  // power_wait 2 s, then the fourth poll, after pauses of 25, 50, 100 ms.
  EXPECT_EQ(clock.now(), Millis(2175));
}

TEST(FenceDriver, StatusPausesStartShortAndDoubleUpToStatusSleep) {
  std::vector<int64_t> got;
  for (int n = 0; n < 8; ++n) got.push_back(status_pause(n, Millis(1000)).count());
  EXPECT_EQ(got, (std::vector<int64_t>{25, 50, 100, 200, 400, 800, 1000, 1000}));
  EXPECT_EQ(status_pause(0, Millis(10)), Millis(10));
  EXPECT_EQ(status_pause(3, Millis(0)), Millis(1));
  EXPECT_EQ(status_pause(1000, Millis(3000)), Millis(3000));
}

TEST(FenceDriver, ASlowTargetIsPolledAtMostOncePerStatusSleepAfterTheFirstSecond) {
  FakeDevice d;
  d.lag = 1000;
  ManualClock clock;
  run(Action::kOff, d, clock);
  // 10 s of power_timeout: 7 polls in the first 1.6 s (0, 25, 75, 175, 375,
  // 775, 1575 ms), then one a second, and a last one at the deadline.
  long polls = std::count(d.calls.begin(), d.calls.end(), "status") - 1;
  EXPECT_EQ(polls, 7 + 9);
}

TEST(FenceDriver, AlreadyInStateDoesNothing) {
  FakeDevice d;
  ManualClock clock;
  Outcome r = run(Action::kOn, d, clock);
  EXPECT_EQ(r.out, "Success: Already ON\n");
  EXPECT_EQ(d.calls, std::vector<std::string>{"status"});
}

TEST(FenceDriver, UnconfirmedOffIsWaitingOffAtPowerTimeout) {
  FakeDevice d;
  d.lag = 1000;
  ManualClock clock;
  Outcome r = run(Action::kOff, d, clock);
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().code, Errc::kTimeout);
  // fence-agents' EC_WAITING_OFF, and its words.
  EXPECT_EQ(to_int(exit_code_for(r.result.error())), 7);
  EXPECT_TRUE(r.result.error().message.starts_with("Timed out waiting to power OFF: "))
      << r.result.error().message;
  EXPECT_EQ(clock.now(), Millis(12'000));
}

TEST(FenceDriver, UnconfirmedOnIsWaitingOn) {
  FakeDevice d;
  d.state = PowerState::kOff;
  d.ignore_on = true;
  ManualClock clock;
  Outcome r = run(Action::kOn, d, clock);
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(to_int(exit_code_for(r.result.error())), 6);
  EXPECT_TRUE(r.result.error().message.starts_with("Timed out waiting to power ON: "))
      << r.result.error().message;
  EXPECT_EQ(r.out, "");
}

TEST(FenceDriver, RebootOnOffConfirmsOffThenPowersOn) {
  FakeDevice d;
  ManualClock clock;
  Outcome r = run(Action::kReboot, d, clock);
  EXPECT_EQ(r.result.value(), 0);
  EXPECT_EQ(r.out, "Success: Rebooted\n");
  std::vector<std::string> want{"status", "off", "status", "on", "status"};
  EXPECT_EQ(d.calls, want);
  EXPECT_EQ(d.state, PowerState::kOn);
}

TEST(FenceDriver, RebootSucceedsOnceOffEvenIfPowerOnFails) {
  FakeDevice d;
  d.ignore_on = true;
  ManualClock clock;
  testing::internal::CaptureStderr();
  Outcome r = run(Action::kReboot, d, clock);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(r.result.value(), 0);
  EXPECT_EQ(r.out, "Success: Rebooted\n");
  EXPECT_EQ(d.state, PowerState::kOff);
  EXPECT_NE(err.find("the target is off but did not power on again: Timed out waiting to power ON"),
            std::string::npos)
      << err;
}

TEST(FenceDriver, RebootCycleIsOneRequest) {
  FakeDevice d;
  ManualClock clock;
  Outcome r = run(Action::kReboot, d, clock, Method::kCycle);
  EXPECT_EQ(r.result.value(), 0);
  std::vector<std::string> want{"status", "cycle"};
  EXPECT_EQ(d.calls, want);
}

TEST(FenceDriver, LoginDeniedStopsAtOnceAndUnknownStateDoesNotBlockFencing) {
  FakeDevice d;
  d.status_error = Error{Errc::kLoginDenied, "denied"};
  ManualClock clock;
  EXPECT_EQ(run(Action::kOff, d, clock).result.error().code, Errc::kLoginDenied);
  FakeDevice unknown;
  unknown.status_error = Error{Errc::kNotFound, "no slot"};
  EXPECT_EQ(run(Action::kStatus, unknown, clock).result.error().code, Errc::kNotFound);
  Outcome cycle = run(Action::kReboot, unknown, clock, Method::kCycle);
  EXPECT_EQ(cycle.result.value(), 0);
}

TEST(FenceDriver, ListAndListStatusFormat) {
  FakeDevice d;
  ManualClock clock;
  EXPECT_EQ(run(Action::kList, d, clock).out, "n1,n1\nn2,n2\n");
  EXPECT_EQ(run(Action::kListStatus, d, clock).out, "n1,n1,ON\nn2,n2,UNKNOWN\n");
}

}  // namespace
}  // namespace vmha::fence
