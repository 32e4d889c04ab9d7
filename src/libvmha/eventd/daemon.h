// vmha-eventd: feeds libvirt events, storage heartbeats, poison-pill reads,
// quorum and maintenance into the Supervisor on one loop thread, and carries
// out its commands on workers so that no blocking call stalls event handling.
#pragma once

#include <memory>

#include "libvmha/base/result.h"
#include "libvmha/eventd/options.h"

namespace vmha::eventd {

class Daemon {
 public:
  explicit Daemon(Options options);
  ~Daemon();
  // Runs until SIGTERM or SIGINT. Block those signals in every thread before
  // calling (main does): the loop reads them through a signalfd.
  Status run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmha::eventd
