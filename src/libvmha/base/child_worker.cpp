#include "libvmha/base/child_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <exception>
#include <optional>

namespace vmha {
namespace {

// Both directions carry frames "<tag> <length>\n<body>"; the length tells a
// whole frame from a cut one. Requests have tag 0; answers 0 for a value,
// else 1 + the Errc, with the Error's message as body.
std::string frame(int tag, const std::string& body) {
  return std::to_string(tag) + " " + std::to_string(body.size()) + "\n" + body;
}

struct Frame {
  int tag;
  std::string body;
};

// Takes the first whole frame off the front of `buf`, if there is one.
std::optional<Frame> take_frame(std::string& buf) {
  size_t nl = buf.find('\n');
  if (nl == std::string::npos) return {};
  int tag = 0;
  size_t length = 0;
  if (std::sscanf(buf.c_str(), "%d %zu", &tag, &length) != 2) return {};
  if (buf.size() < nl + 1 + length) return {};
  Frame f{tag, buf.substr(nl + 1, length)};
  buf.erase(0, nl + 1 + length);
  return f;
}

std::string encode(const Result<std::string>& r) {
  if (r) return frame(0, *r);
  return frame(1 + static_cast<int>(r.error().code), r.error().message);
}

Result<std::string> decode(Frame f) {
  if (f.tag == 0) return std::move(f.body);
  return make_error(static_cast<Errc>(f.tag - 1), std::move(f.body));
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Appends what one read gives; false at EOF or on error.
bool read_some(int fd, std::string& buf) {
  char chunk[4096];
  ssize_t n;
  do n = read(fd, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  buf.append(chunk, static_cast<size_t>(n));
  return true;
}

constexpr int kAnswerFd = 3, kRequestFd = 4;

[[noreturn]] void be_the_child(const ChildWorker::Handler& handler, int request_r, int answer_w,
                               int log_w) {
  // glibc's syslog socket may sit on one of the fds set below (3, with the
  // fencer leaving only 0-2 open); it would then log into our answer pipe,
  // and close it after a failed send. Closed here, it reopens on a free fd.
  closelog();
  // Keep only what the work needs: nothing inherited may hold open a pipe
  // our caller's reader (the fencer reading the agent's output) waits on.
  int request = fcntl(request_r, F_DUPFD, 10);
  int answer = fcntl(answer_w, F_DUPFD, 10);
  int log = fcntl(log_w, F_DUPFD, 10);
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0);
  dup2(null, 1);
  dup2(log, 2);
  dup2(answer, kAnswerFd);
  dup2(request, kRequestFd);
  close_range(kRequestFd + 1, ~0U, 0);
  signal(SIGPIPE, SIG_IGN);  // a parent gone shows as a failed write instead
  std::string buf;
  for (;;) {
    auto request_frame = take_frame(buf);
    if (request_frame) {
      Result<std::string> answer = make_error(Errc::kInternal, "no answer");
      // An exception must not unwind into the parent's stack copied here.
      try {
        answer = handler(request_frame->body);
      } catch (const std::exception& e) {
        answer = make_error(Errc::kInternal, std::string("the worker process failed: ") + e.what());
      } catch (...) {
        answer = make_error(Errc::kInternal, "the worker process failed");
      }
      if (!write_all(kAnswerFd, encode(answer))) break;
    } else if (!read_some(kRequestFd, buf)) {
      break;  // the parent is done with us
    }
  }
  // Closed by hand: a thread of ours stuck in the kernel would keep the fd
  // table, and with it these pipes, open past _exit.
  close_range(0, ~0U, 0);
  // No cleanup is ours to do (atexit handlers and buffers are the parent's).
  _exit(0);
}

// Copies what is readable from the child's stderr (non-blocking) to ours;
// false at EOF.
bool relay(int fd) {
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 && errno == EAGAIN;
    write_all(2, std::string(chunk, static_cast<size_t>(n)));
  }
}

std::string died(pid_t pid) {
  // It closed the answer pipe, so it has ended or is about to.
  int status = 0;
  Deadline d(system_clock(), Millis(1000));
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (d.expired()) return "the worker process closed its pipe without answering";
    system_clock().sleep_for(Millis(5));
  }
  if (WIFSIGNALED(status)) {
    return "the worker process died of signal " + std::to_string(WTERMSIG(status)) +
           " without answering";
  }
  return "the worker process exited " + std::to_string(WEXITSTATUS(status)) +
         " without answering";
}

}  // namespace

Result<ChildWorker> ChildWorker::start(Handler handler) {
  int request[2], answer[2], log[2];
  if (pipe2(request, O_CLOEXEC) != 0) return make_error(Errc::kInternal, "pipe failed");
  if (pipe2(answer, O_CLOEXEC) != 0) {
    for (int fd : request) close(fd);
    return make_error(Errc::kInternal, "pipe failed");
  }
  if (pipe2(log, O_CLOEXEC) != 0) {
    for (int fd : {request[0], request[1], answer[0], answer[1]}) close(fd);
    return make_error(Errc::kInternal, "pipe failed");
  }
  // Only our reading end: the child's stderr blocks rather than drop lines.
  fcntl(log[0], F_SETFL, fcntl(log[0], F_GETFL) | O_NONBLOCK);
  std::fflush(nullptr);  // else unflushed output would be written twice
  pid_t pid = fork();
  if (pid == 0) be_the_child(handler, request[0], answer[1], log[1]);
  close(request[0]);
  close(answer[1]);
  close(log[1]);
  if (pid < 0) {
    close(request[1]);
    close(answer[0]);
    close(log[0]);
    return make_error(Errc::kInternal, "fork failed");
  }
  // Our own end of a request pipe whose child vanished must not kill us.
  signal(SIGPIPE, SIG_IGN);
  return ChildWorker(pid, request[1], answer[0], log[0]);
}

Result<std::string> ChildWorker::call(const std::string& request, Millis budget) {
  if (lost_) return make_error(Errc::kTimeout, "an earlier request got no answer");
  Deadline deadline(system_clock(), budget);
  std::string buf;
  bool eof = !write_all(request_w_, frame(0, request));
  std::optional<Frame> answer;
  // Outside the loop: a log pipe at EOF stays out of later polls.
  pollfd fds[2] = {{answer_r_, POLLIN, 0}, {log_r_, POLLIN, 0}};
  while (!eof && !(answer = take_frame(buf)) && !deadline.expired()) {
    auto wait_ms = std::clamp<int64_t>(deadline.remaining().count(), 0, INT_MAX);
    int n = poll(fds, 2, static_cast<int>(wait_ms));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (fds[1].revents && !relay(log_r_)) fds[1].fd = -1;
    if (fds[0].revents) eof = !read_some(answer_r_, buf);
  }
  relay(log_r_);
  if (answer) return decode(std::move(*answer));
  lost_ = true;
  if (eof) return make_error(Errc::kInternal, died(pid_));
  // Left behind, not waited for: it may be stuck in the kernel for good.
  // Once it gets its answer out it finds our pipes closed and ends itself.
  return make_error(Errc::kTimeout, "no answer within " + std::to_string(budget.count()) + " ms");
}

ChildWorker::ChildWorker(ChildWorker&& o) noexcept
    : pid_(o.pid_), request_w_(o.request_w_), answer_r_(o.answer_r_), log_r_(o.log_r_),
      lost_(o.lost_) {
  o.pid_ = -1;
}

ChildWorker::~ChildWorker() {
  if (pid_ < 0) return;
  close(request_w_);
  if (!lost_) {
    // An idle child ends at once on EOF; give it a moment to be reaped.
    Deadline d(system_clock(), Millis(100));
    while (waitpid(pid_, nullptr, WNOHANG) != pid_ && !d.expired()) {
      system_clock().sleep_for(Millis(2));
    }
  }
  relay(log_r_);
  close(answer_r_);
  close(log_r_);
}

}  // namespace vmha
