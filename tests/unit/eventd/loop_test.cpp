#include "libvmha/eventd/loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

namespace vmha::eventd {
namespace {

TEST(Loop, TimersPostsAndFdsRunOnTheLoopThread) {
  Loop loop(system_clock());
  std::thread::id loop_thread;
  int periodic = 0, once = 0, posted = 0, readable = 0;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  loop.every(Millis(10), [&] { ++periodic; });
  auto cancelled = loop.after(Millis(5), [&] { ADD_FAILURE() << "cancelled timer ran"; });
  loop.cancel(cancelled);
  loop.after(Millis(20), [&] { ++once; });
  loop.watch_fd(fds[0], [&] {
    char c;
    ASSERT_EQ(read(fds[0], &c, 1), 1);
    ++readable;
  });
  std::thread other([&] {
    loop.post([&] {
      loop_thread = std::this_thread::get_id();
      ++posted;
    });
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  });
  loop.after(Millis(80), [&] { loop.stop(); });
  loop.run();
  other.join();
  EXPECT_EQ(loop_thread, std::this_thread::get_id());
  EXPECT_EQ(posted, 1);
  EXPECT_EQ(once, 1);
  EXPECT_EQ(readable, 1);
  EXPECT_GE(periodic, 4);
  close(fds[0]);
  close(fds[1]);
}

TEST(Loop, StopFromAnotherThread) {
  Loop loop(system_clock());
  std::thread t([&] { loop.stop(); });
  loop.run();  // returns: the wake-up is not lost even if stop() came first
  t.join();
  SUCCEED();
}

}  // namespace
}  // namespace vmha::eventd
