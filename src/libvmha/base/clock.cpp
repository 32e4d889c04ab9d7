#include "libvmha/base/clock.h"

#include <thread>

namespace vmha {
namespace {

class SystemClock : public Clock {
 public:
  Millis now() const override {
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch());
  }
  int64_t wall_seconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void sleep_for(Millis d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace vmha
