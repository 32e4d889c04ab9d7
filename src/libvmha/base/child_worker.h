// A forked child process that does work for us, one request at a time, each
// answer awaited with a deadline. Why a process and not a thread: a thread
// stuck in uninterruptible kernel I/O (a dead FC/iSCSI path, a hung NBD or
// FUSE device) keeps its whole process from finishing exit, so a short-lived
// program (a fence agent, whose exit status the fencer waits for) could only
// exit when the kernel lets go. A child stuck that way is left behind: the
// call returns kTimeout and the parent may exit at once.
//
// Start it from a single-threaded process: fork copies only the calling
// thread, and a lock another thread held would stay held in the child.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

namespace vmha {

class ChildWorker {
 public:
  // Answers one request in the child; its value or Error crosses a pipe.
  using Handler = std::function<Result<std::string>(const std::string& request)>;

  // Forks the child. Its stdin and stdout are /dev/null and its stderr (log
  // lines) is relayed to ours during calls, so whoever reads our output sees
  // EOF when we exit even if the child lives on.
  static Result<ChildWorker> start(Handler handler);

  // kTimeout when no answer came within `budget` (the child is then left
  // behind, to end itself once free; later calls fail at once); kInternal
  // when the child died without answering.
  Result<std::string> call(const std::string& request, Millis budget);

  pid_t pid() const { return pid_; }

  ChildWorker(ChildWorker&& o) noexcept;
  ChildWorker& operator=(ChildWorker&&) = delete;
  // Tells the child to end (EOF on its requests) and reaps it if it ends
  // promptly; never waits for a stuck one.
  ~ChildWorker();

 private:
  ChildWorker(pid_t pid, int request_w, int answer_r, int log_r)
      : pid_(pid), request_w_(request_w), answer_r_(answer_r), log_r_(log_r) {}

  pid_t pid_;
  int request_w_, answer_r_, log_r_;
  bool lost_ = false;  // timed out or died: no more calls
};

}  // namespace vmha
