// A single-threaded poll(2) loop: file descriptors, timers and functions
// posted from other threads all run on the thread that calls run(). Handlers
// must not block; blocking work belongs on a worker that posts its result.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "libvmha/base/clock.h"

namespace vmha::eventd {

class Loop {
 public:
  using Fn = std::function<void()>;
  using TimerId = uint64_t;

  explicit Loop(Clock& clock);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void watch_fd(int fd, Fn on_readable);
  void unwatch_fd(int fd);
  // One-shot after delay; periodic every `every` (first run after `every`).
  TimerId after(Millis delay, Fn fn);
  TimerId every(Millis every, Fn fn);
  void cancel(TimerId id);

  // Thread-safe: queues fn to run on the loop thread and wakes the loop.
  void post(Fn fn);
  // Runs until stop(); stop() is thread-safe.
  void run();
  void stop();
  Clock& clock() { return clock_; }

 private:
  struct Timer {
    Millis due;
    Millis period;  // 0: one-shot
    Fn fn;
  };
  void run_due_timers();
  void drain_posted();
  int poll_timeout_ms() const;

  Clock& clock_;
  int wake_fd_;
  bool stopping_ = false;
  std::map<int, Fn> fds_;
  std::map<TimerId, Timer> timers_;
  TimerId next_id_ = 1;
  std::mutex mu_;
  std::vector<Fn> posted_;
  bool stop_requested_ = false;
};

}  // namespace vmha::eventd
