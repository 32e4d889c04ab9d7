// Everything one agent action works with: validated parameters, Pacemaker's
// call details, the operation deadline and a lazily opened, bounded libvirt
// connection.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/ocf/env.h"
#include "libvmha/ocf/exit_code.h"
#include "libvmha/virt/hypervisor.h"
#include "libvmha/vm/config.h"

namespace vmha::vm {

struct ActionResult {
  ocf::Rc rc;
  std::string reason;  // one line: logged, and the exit reason when rc != 0
};

class Context {
 public:
  // op_budget: the operation's timeout; a margin is kept so that the agent
  // answers before Pacemaker's own timeout kills it.
  Context(VmConfig cfg, ocf::CallInfo call, Clock& clock, Millis op_budget, std::string run_dir);

  const VmConfig& cfg() const { return cfg_; }
  const ocf::CallInfo& call() const { return call_; }
  Clock& clock() { return clock_; }
  const Deadline& deadline() const { return deadline_; }
  Millis op_budget() const { return op_budget_; }
  const std::string& run_dir() const { return run_dir_; }

  // The libvirt connection, opened on first use. Each call is bounded by
  // libvirt_timeout and by what is left of the operation.
  Result<virt::Hypervisor*> hv();
  bool libvirt_hung() const { return hv_ && hv_->hung(); }

  // The domain's name: from config, or from what start recorded on this node
  // when config is not readable here. Empty when neither is known.
  std::string domain_name() const;
  void remember_running(const std::string& name);
  void forget_running();

  // Small per-resource files under run_dir (tmpfs: gone after a reboot).
  std::optional<std::string> read_state(const std::string& suffix) const;
  void write_state(const std::string& suffix, const std::string& content) const;
  void clear_state(const std::string& suffix) const;

 private:
  std::string state_path(const std::string& suffix) const;

  VmConfig cfg_;
  ocf::CallInfo call_;
  Clock& clock_;
  Millis op_budget_;
  Deadline deadline_;
  std::string run_dir_;
  std::unique_ptr<virt::Hypervisor> hv_;
};

}  // namespace vmha::vm
