// A libvirt connection whose every call runs on a worker thread bounded by a
// timeout (libvirt's C API blocks without limit when libvirtd hangs). After
// one call times out the connection is "hung" and later calls fail at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/virt/call_worker.h"

namespace vmha::virt {

// A domain as libvirt reports it; state and reason are libvirt's
// virDomainState and its per-state reason enums.
struct DomainState {
  bool exists = false;
  bool active = false;
  bool persistent = false;
  int state = 0;
  int reason = 0;
  unsigned vcpus = 0;
  uint64_t max_memory_kib = 0;
  std::string uuid;
};

struct MigrateOptions {
  std::string dest_uri;       // libvirt URI of the target hypervisor
  std::string migrate_uri;    // data stream URI; empty for libvirt's choice
  uint64_t downtime_ms = 0;   // 0: libvirt's default
  uint64_t bandwidth_mib = 0; // 0: unlimited
  bool persistent = false;    // define on the target, undefine here
};

class Hypervisor {
 public:
  static Result<std::unique_ptr<Hypervisor>> connect(const std::string& uri, Millis call_timeout);
  ~Hypervisor();

  bool hung() const { return worker_.stuck(); }
  // Bound for the calls that follow (migration and save need more than a query).
  void set_call_timeout(Millis t) { timeout_ = t; }
  const std::string& uri() const { return uri_; }

  Result<DomainState> state(const std::string& name);
  Status create_transient(const std::string& xml);
  Status define(const std::string& xml);
  Status start_defined(const std::string& name);
  Status shutdown(const std::string& name);
  Status destroy(const std::string& name);
  Status resume(const std::string& name);
  Status suspend(const std::string& name);
  // flags are virDomainXMLFlags.
  Result<std::string> xml(const std::string& name, unsigned flags);
  // Element in namespace ns_uri from the live (or config) definition;
  // nullopt when the domain has none.
  Result<std::optional<std::string>> metadata(const std::string& name, const std::string& ns_uri);
  Status set_metadata(const std::string& name, const std::string& element_xml,
                      const std::string& prefix, const std::string& ns_uri, bool also_config);
  Status save(const std::string& name, const std::string& path);
  Status restore(const std::string& path);
  // One QMP command (JSON text) to the domain's QEMU through libvirt-qemu's
  // pass-through, for what libvirt has no API for; returns QEMU's reply as
  // JSON text, an error reply included. libvirt marks the domain tainted
  // (custom-monitor) from the first use on.
  Result<std::string> qemu_monitor_command(const std::string& name, const std::string& command);
  // Round trips through QEMU's monitor: block statistics of each disk target.
  Status probe_qemu_monitor(const std::string& name, const std::vector<std::string>& disk_targets);
  // Asks the QEMU guest agent for the guest's time.
  Status probe_guest_agent(const std::string& name);
  Status migrate(const std::string& name, const MigrateOptions& options);

 private:
  Hypervisor(std::string uri, Millis timeout);
  template <typename T, typename F>
  Result<T> call(const std::string& what, F&& fn);
  template <typename F>
  Status on_domain(const std::string& what, const std::string& name, F&& fn);

  std::string uri_;
  Millis timeout_;
  void* conn_ = nullptr;  // virConnectPtr; touched only on the worker thread
  CallWorker worker_;
};

}  // namespace vmha::virt
