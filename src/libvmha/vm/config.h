// The VirtualMachine agent's parameters, validated into one struct.
#pragma once

#include <optional>
#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/ocf/env.h"
#include "libvmha/ocf/params.h"
#include "libvmha/virt/domain_xml.h"
#include "libvmha/virt/ha_metadata.h"

namespace vmha::vm {

struct VmConfig {
  std::string config_path;
  std::string uri;
  bool persistent = false;
  bool force_stop = false;
  Millis shutdown_budget{0};  // 0: derive from the stop timeout
  Millis libvirt_timeout{10'000};
  virt::HaPolicy policy;
  std::string migration_transport;
  std::string migration_user;
  std::string migration_network_suffix;
  std::string migrateuri;
  std::string remoteuri;
  int64_t migration_downtime_ms = 0;
  int64_t migration_speed_mib = 0;
  bool autoset_cpu = true;
  bool autoset_memory = true;
  bool save_config_on_stop = false;
  std::string snapshot_dir;

  // Read from config when the file is present on this node.
  std::optional<std::string> domain_xml;
  std::optional<virt::DomainConfig> domain;
};

// Checks types and values. A config file missing on this node is not an
// error here (probes and stops must still work); check_config_present is.
Result<VmConfig> load_config(const ocf::Params& params, const ocf::CallInfo& call);

// A combination that is valid but works only with help: a warning to log,
// or empty.
std::string config_caveat(const VmConfig& c);

// kNotConfigured (OCF_ERR_ARGS) when config or snapshot is missing here.
Status check_node_local(const VmConfig& c);

}  // namespace vmha::vm
