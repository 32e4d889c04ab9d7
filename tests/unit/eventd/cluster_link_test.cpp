#include "libvmha/eventd/cluster_link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <thread>
#include <atomic>
#include <mutex>

namespace vmha::eventd {
namespace {

using namespace std::chrono_literals;

// An attrd query that hangs until released (at most 10 s, as a bound for
// a broken test), like a stalled pacemaker-attrd within libcrmcommon's 5 s.
struct StalledAttrd {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  int queries = 0;
  std::promise<void> entered;

  Result<std::optional<std::string>> query() {
    std::unique_lock lock(mu);
    if (++queries == 1) entered.set_value();
    cv.wait_for(lock, 10s, [&] { return released; });
    return std::optional<std::string>("true");
  }
  void release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

TEST(ClusterLink, ASlowMaintenancePollDoesNotDelayAFailReport) {
  StalledAttrd attrd;
  std::promise<std::string> failed;
  ClusterCalls calls;
  calls.query_maintenance = [&] { return attrd.query(); };
  calls.fail_resource = [&](const std::string& rsc) -> Status {
    failed.set_value(rsc);
    return Unit{};
  };
  calls.mark_stopped = [](const std::string&) -> Status { return Unit{}; };
  std::promise<bool> maintenance;
  {
    ClusterLink link(calls);
    ASSERT_TRUE(link.poll_maintenance([&](bool on) { maintenance.set_value(on); }));
    ASSERT_EQ(attrd.entered.get_future().wait_for(5s), std::future_status::ready);
    // The poll hangs in attrd; the crash report goes through regardless.
    auto t0 = std::chrono::steady_clock::now();
    std::promise<bool> reported;
    link.fail_resource("vm1", [&](Status s) { reported.set_value(bool(s)); });
    auto rep = reported.get_future();
    ASSERT_EQ(rep.wait_for(2s), std::future_status::ready) << "fail report waited behind the poll";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_TRUE(rep.get());
    EXPECT_EQ(failed.get_future().get(), "vm1");
    // Polls while one hangs are skipped, not queued.
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(link.poll_maintenance([](bool) {}));
    attrd.release();
    auto m = maintenance.get_future();
    ASSERT_EQ(m.wait_for(5s), std::future_status::ready);
    EXPECT_TRUE(m.get());
  }
  EXPECT_EQ(attrd.queries, 1);
}

TEST(ClusterLink, PollsAgainOnceTheLastAnswered) {
  std::atomic<int> queries{0};
  ClusterCalls calls;
  calls.query_maintenance = [&]() -> Result<std::optional<std::string>> {
    ++queries;
    return std::optional<std::string>();
  };
  ClusterLink link(calls);
  std::promise<bool> p;
  ASSERT_TRUE(link.poll_maintenance([&](bool on) { p.set_value(on); }));
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(f.get()) << "unset is not maintenance";
  bool again = false;
  for (int t = 0; t < 500 && !again; ++t) {
    again = link.poll_maintenance([](bool) {});
    if (!again) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(again) << "a poll after the answer is not skipped";
}

TEST(ClusterLink, MaintenanceValues) {
  for (const char* on : {"true", "1", "on", "yes"}) EXPECT_TRUE(maintenance_on(std::string(on))) << on;
  for (const char* off : {"false", "0", "off", "", "TRUE"}) EXPECT_FALSE(maintenance_on(std::string(off))) << off;
  EXPECT_FALSE(maintenance_on(std::nullopt));
}

}  // namespace
}  // namespace vmha::eventd
