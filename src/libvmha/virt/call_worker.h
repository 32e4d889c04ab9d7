// Runs calls into a peer library on one worker thread and waits for each
// with a timeout. A call that times out leaves the worker "stuck": it may
// stay blocked inside the peer forever, so it is abandoned (never joined) and
// every later call fails at once with kTimeout instead of queueing behind it.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha::virt {

class CallWorker {
 public:
  CallWorker();
  ~CallWorker();
  CallWorker(const CallWorker&) = delete;
  CallWorker& operator=(const CallWorker&) = delete;

  bool stuck() const { return stuck_; }

  template <typename T>
  Result<T> run(Millis timeout, const std::string& what, std::function<Result<T>()> fn) {
    if (stuck_) return make_error(Errc::kTimeout, what + ": skipped, an earlier call is still hanging");
    auto promise = std::make_shared<std::promise<Result<T>>>();
    std::future<Result<T>> future = promise->get_future();
    post([promise, fn = std::move(fn)] { promise->set_value(fn()); });
    if (future.wait_for(timeout) != std::future_status::ready) {
      stuck_ = true;
      return make_error(Errc::kTimeout, what + ": no answer within " +
                                            std::to_string(timeout.count()) + " ms");
    }
    return future.get();
  }

 private:
  struct Queue {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool quit = false;
  };
  void post(std::function<void()> task);

  std::shared_ptr<Queue> queue_;
  std::thread thread_;
  bool stuck_ = false;
};

}  // namespace vmha::virt
