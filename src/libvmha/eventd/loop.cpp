#include "libvmha/eventd/loop.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vmha::eventd {

Loop::Loop(Clock& clock) : clock_(clock), wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Loop::~Loop() { close(wake_fd_); }

void Loop::watch_fd(int fd, Fn on_readable) { fds_[fd] = std::move(on_readable); }
void Loop::unwatch_fd(int fd) { fds_.erase(fd); }

Loop::TimerId Loop::after(Millis delay, Fn fn) {
  TimerId id = next_id_++;
  timers_[id] = Timer{clock_.now() + delay, Millis(0), std::move(fn)};
  return id;
}

Loop::TimerId Loop::every(Millis period, Fn fn) {
  TimerId id = next_id_++;
  timers_[id] = Timer{clock_.now() + period, period, std::move(fn)};
  return id;
}

void Loop::cancel(TimerId id) { timers_.erase(id); }

void Loop::post(Fn fn) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void Loop::stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

int Loop::poll_timeout_ms() const {
  if (timers_.empty()) return 1000;
  Millis next = Millis::max();
  for (const auto& [id, t] : timers_) next = std::min(next, t.due);
  Millis wait = next - clock_.now();
  return static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
}

void Loop::run_due_timers() {
  Millis now = clock_.now();
  std::vector<TimerId> due;
  for (const auto& [id, t] : timers_)
    if (t.due <= now) due.push_back(id);
  for (TimerId id : due) {
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled by an earlier handler
    Fn fn = it->second.fn;
    if (it->second.period.count() > 0) it->second.due = now + it->second.period;
    else timers_.erase(it);
    fn();
  }
}

void Loop::drain_posted() {
  std::vector<Fn> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(posted_);
    if (stop_requested_) stopping_ = true;
  }
  for (auto& fn : batch) fn();
}

void Loop::run() {
  while (!stopping_) {
    std::vector<pollfd> pfds{{wake_fd_, POLLIN, 0}};
    for (const auto& [fd, fn] : fds_) pfds.push_back({fd, POLLIN, 0});
    int n = poll(pfds.data(), pfds.size(), poll_timeout_ms());
    if (n < 0 && errno != EINTR) break;
    if (pfds[0].revents) {
      uint64_t v;
      (void)!read(wake_fd_, &v, sizeof v);
    }
    drain_posted();
    for (size_t i = 1; i < pfds.size() && !stopping_; ++i) {
      if (!pfds[i].revents) continue;
      auto it = fds_.find(pfds[i].fd);
      if (it != fds_.end()) {
        Fn fn = it->second;
        fn();
      }
    }
    run_due_timers();
  }
}

}  // namespace vmha::eventd
