#include "libvmha/virt/call_worker.h"

namespace vmha::virt {

CallWorker::CallWorker() : queue_(std::make_shared<Queue>()) {
  // The thread holds its own reference to the queue so that an abandoned
  // worker never touches freed memory.
  thread_ = std::thread([q = queue_] {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(q->mu);
        q->cv.wait(lock, [&] { return q->quit || !q->tasks.empty(); });
        if (q->tasks.empty()) return;
        task = std::move(q->tasks.front());
        q->tasks.pop_front();
      }
      task();
    }
  });
}

CallWorker::~CallWorker() {
  {
    std::lock_guard lock(queue_->mu);
    queue_->quit = true;
  }
  queue_->cv.notify_all();
  if (stuck_) thread_.detach();
  else thread_.join();
}

void CallWorker::post(std::function<void()> task) {
  {
    std::lock_guard lock(queue_->mu);
    queue_->tasks.push_back(std::move(task));
  }
  queue_->cv.notify_one();
}

}  // namespace vmha::virt
