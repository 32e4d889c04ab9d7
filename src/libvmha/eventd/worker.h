// One background thread running queued tasks in order, for blocking calls
// (libvirt, disks, cluster IPC) that must not stall the loop. Tasks bound
// their own I/O and post results back to the loop. Tasks still queued at
// destruction are dropped; the one running is waited for.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace vmha::eventd {

class Worker {
 public:
  explicit Worker(std::string name);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void submit(std::function<void()> task);
  size_t pending() const;

 private:
  std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace vmha::eventd
