// The daemon's blocking calls to the cluster, each kind on its own thread:
// reports (fail-resource, target-role) on one, in order; the maintenance
// poll on another, at most one at a time. A slow attrd then holds up only
// the poll (which is skipped while one is in flight), never a crash report,
// and the queues cannot grow with the poll's period.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "libvmha/base/result.h"
#include "libvmha/eventd/worker.h"

namespace vmha::eventd {

struct ClusterCalls {
  std::function<Status(const std::string& resource)> fail_resource;
  std::function<Status(const std::string& resource)> mark_stopped;
  // The vmha-maintenance attribute of this node (nullopt: unset).
  std::function<Result<std::optional<std::string>>()> query_maintenance;
};

// Whether an attribute value switches maintenance on.
bool maintenance_on(const std::optional<std::string>& value);

class ClusterLink {
 public:
  using Done = std::function<void(Status)>;  // called on the reporting thread

  explicit ClusterLink(ClusterCalls calls);

  void fail_resource(const std::string& resource, Done done);
  void mark_stopped(const std::string& resource, Done done);
  // Queries maintenance unless a query is still running (returns false,
  // skipped). on_value runs on the polling thread, only when attrd answered.
  bool poll_maintenance(std::function<void(bool on)> on_value);

 private:
  ClusterCalls calls_;
  std::atomic<bool> poll_in_flight_{false};
  // Declared last: destroyed first, so no task outlives what it uses.
  Worker reports_{"vmha-cluster"};
  Worker polls_{"vmha-maint"};
};

}  // namespace vmha::eventd
