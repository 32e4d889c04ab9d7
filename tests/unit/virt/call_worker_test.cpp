#include "libvmha/virt/call_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace vmha::virt {
namespace {

TEST(CallWorker, ReturnsTheCallsResult) {
  CallWorker w;
  auto r = w.run<int>(Millis(1000), "add", [] { return Result<int>(41 + 1); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_FALSE(w.stuck());
}

TEST(CallWorker, HangingCallTimesOutAndLaterCallsFailFast) {
  auto release = std::make_shared<std::atomic<bool>>(false);
  {
    CallWorker w;
    auto t0 = std::chrono::steady_clock::now();
    auto r = w.run<int>(Millis(100), "hang", [release] {
      while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return Result<int>(1);
    });
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kTimeout);
    EXPECT_LT(took, std::chrono::milliseconds(1000));
    EXPECT_TRUE(w.stuck());
    auto t1 = std::chrono::steady_clock::now();
    auto r2 = w.run<int>(Millis(5000), "next", [] { return Result<int>(2); });
    EXPECT_FALSE(r2.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::milliseconds(100));
  }  // destructor must not wait for the hanging call
  *release = true;
}

}  // namespace
}  // namespace vmha::virt
