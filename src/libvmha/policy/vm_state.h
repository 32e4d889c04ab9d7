// Pure decision logic: what a monitor reports, and what it must do next,
// for what it observed of a domain. No I/O; tested exhaustively.
#pragma once

#include <cstdint>
#include <string>

#include "libvmha/ocf/exit_code.h"
#include "libvmha/virt/condition.h"
#include "libvmha/virt/ha_metadata.h"
#include "libvmha/virt/qemu_process.h"

namespace vmha::policy {

struct Observation {
  bool daemon_answered = true;
  virt::Condition condition = virt::Condition::kUnknown;  // when answered
  std::string condition_text;                             // libvirt's words
  virt::Liveness qemu = virt::Liveness::kUnknown;         // when not answered
  std::string daemon_problem;                             // why not answered
  virt::ResumeBehavior resume = virt::ResumeBehavior::kKill;
  int64_t kill_paused_after_s = 80;
  int64_t paused_for_s = 0;  // how long it has been paused on an I/O error
  virt::GuestShutdown guest_shutdown = virt::GuestShutdown::kRestart;
  // This node's agent started the domain and has not stopped it since: only
  // then is a shutdown with reason "shutdown" the guest's own doing.
  bool started_here = false;
};

enum class Followup {
  kNone,
  kTryResume,    // paused on I/O error and resuming is allowed
  kDestroy,      // kill deadline passed: destroy so the cluster recovers it
  kMarkStopped,  // guest shut itself down and guest_shutdown=stop
};

struct Verdict {
  ocf::Rc rc;
  Followup followup = Followup::kNone;
  std::string reason;  // one line for the log / exit reason
};

Verdict assess(const Observation& o);

}  // namespace vmha::policy
