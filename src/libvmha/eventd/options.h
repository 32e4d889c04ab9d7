// vmha-eventd's settings, from --long-options (the OCF agent EventDaemon
// and the systemd unit both pass them). Durations accept Pacemaker's units.
#pragma once

#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/policy/guest_actions.h"
#include "libvmha/policy/storage_health.h"

namespace vmha::eventd {

struct Options {
  std::string node;                      // default: the cluster's name for this node
  std::string uri = "qemu:///system";
  std::string run_dir = "/run/vmha";     // where the agents keep their markers
  std::string journal = "/var/lib/vmha/journal.db";
  int journal_max_rows = 100000;
  int journal_max_days = 90;
  policy::IsolationResponse isolation = policy::IsolationResponse::kPause;
  Millis libvirt_grace{2000};
  std::vector<std::string> heartbeat_paths;
  Millis heartbeat_interval{1000};
  Millis heartbeat_timeout{2000};
  policy::HealthThresholds thresholds;
  std::vector<std::string> pill_devices;
  Millis pill_interval{1000};
  Millis watchdog_timeout{5000};
  std::string self_fence = "watchdog";   // watchdog | command
  std::vector<std::string> self_fence_command;
  Millis maintenance_poll{2000};
  std::string pidfile;
  bool debug = false;
};

// argv without the program name. kInvalidArgument names the bad option.
Result<Options> parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace vmha::eventd
