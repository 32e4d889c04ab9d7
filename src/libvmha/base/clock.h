// The one clock abstraction: code that waits or computes deadlines asks a
// Clock, so tests can drive time without sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace vmha {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time; only differences mean something.
  virtual Millis now() const = 0;
  // Wall-clock seconds since the epoch, for records other processes read.
  virtual int64_t wall_seconds() const = 0;
  virtual void sleep_for(Millis d) = 0;
};

Clock& system_clock();

// A point in monotonic time after which an operation must give up.
class Deadline {
 public:
  Deadline(const Clock& clock, Millis budget) : clock_(&clock), end_(clock.now() + budget) {}
  Millis remaining() const {
    Millis r = end_ - clock_->now();
    return r.count() > 0 ? r : Millis(0);
  }
  bool expired() const { return remaining().count() == 0; }

 private:
  const Clock* clock_;
  Millis end_;
};

// A clock that moves only when told; for tests of deadline logic.
class ManualClock : public Clock {
 public:
  Millis now() const override { return now_; }
  int64_t wall_seconds() const override { return wall_base_ + now_.count() / 1000; }
  void sleep_for(Millis d) override { now_ += d; }
  void advance(Millis d) { now_ += d; }
  void set_wall_base(int64_t s) { wall_base_ = s; }

 private:
  Millis now_{0};
  int64_t wall_base_ = 1'700'000'000;
};

}  // namespace vmha
