#include "libvmha/base/child_worker.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace vmha {
namespace {

TEST(ChildWorker, ValuesAndErrorsPassThroughAndStateStaysInTheChild) {
  int calls = 0;
  auto worker = ChildWorker::start([&calls](const std::string& req) -> Result<std::string> {
    ++calls;  // the child's copy: counts across requests there, not here
    if (req == "fail") return make_error(Errc::kNotFound, "no slot for\nghost");
    return req + std::string(1, '\0') + std::to_string(calls) + "\n";
  });
  ASSERT_TRUE(worker) << worker.error().message;
  pid_t child = worker->pid();
  EXPECT_NE(child, getpid());
  auto a = worker->call("a", Millis(5000));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a, std::string("a\0" "1\n", 4));
  auto e = worker->call("fail", Millis(5000));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kNotFound);
  EXPECT_EQ(e.error().message, "no slot for\nghost");
  auto b = worker->call(std::string(100'000, 'b'), Millis(5000));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->size(), 100'000u + 3);
  EXPECT_EQ(b->substr(100'001), "3\n");
  EXPECT_EQ(calls, 0);
  { auto gone = std::move(*worker); }
  // The destructor closed the requests: an idle child ends by itself (the
  // destructor may already have reaped it).
  int w = waitpid(child, nullptr, 0);
  EXPECT_TRUE(w == child || (w == -1 && errno == ECHILD));
}

TEST(ChildWorker, ATimeoutReturnsWithinTheBudgetWhileTheChildLivesOn) {
  auto worker = ChildWorker::start([](const std::string&) -> Result<std::string> {
    std::this_thread::sleep_for(std::chrono::seconds(3));  // stands in for hung I/O
    return std::string("late");
  });
  ASSERT_TRUE(worker) << worker.error().message;
  pid_t child = worker->pid();
  auto start = std::chrono::steady_clock::now();
  auto r = worker->call("x", Millis(200));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTimeout);
  // The library's clock counts whole milliseconds: the budget may end up to
  // 1 ms before 200 ms of nanosecond time have passed.
  EXPECT_GE(took, std::chrono::milliseconds(199));
  EXPECT_LT(took, std::chrono::milliseconds(700));
  // Later calls fail at once instead of queueing behind the stuck one.
  auto again = worker->call("y", Millis(5000));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kTimeout);
  start = std::chrono::steady_clock::now();
  { auto gone = std::move(*worker); }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(kill(child, 0), 0) << "the stuck child should still be alive";
  // Once free it finds nobody listening and ends itself.
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ChildWorker, AChildThatCrashesIsAClearError) {
  auto worker = ChildWorker::start([](const std::string&) -> Result<std::string> { abort(); });
  ASSERT_TRUE(worker) << worker.error().message;
  auto start = std::chrono::steady_clock::now();
  auto r = worker->call("x", Millis(5000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  EXPECT_EQ(r.error().message,
            "the worker process died of signal " + std::to_string(SIGABRT) + " without answering");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace vmha
