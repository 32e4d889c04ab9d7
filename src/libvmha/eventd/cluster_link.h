// The daemon's blocking calls to the cluster, each kind on its own thread:
// reports (fail-resource, target-role, the rescue rule) on one, in order;
// the maintenance poll on another and the CIB read for rescues on a third,
// each at most one at a time. A slow attrd or CIB then holds up only its
// poll (which is skipped while one is in flight), never a crash report, and
// the queues cannot grow with the polls' periods.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "libvmha/base/result.h"
#include "libvmha/cluster/cluster_view.h"
#include "libvmha/eventd/worker.h"

namespace vmha::eventd {

struct ClusterCalls {
  std::function<Status(const std::string& resource)> fail_resource;
  std::function<Status(const std::string& resource)> mark_stopped;
  // The vmha-maintenance attribute of this node (nullopt: unset).
  std::function<Result<std::optional<std::string>>()> query_maintenance;
  // Adds the rescue location rule of resource (exists already: fine).
  std::function<Status(const std::string& resource)> create_rescue_rule;
  // The cluster as the CIB shows it, reporting on these resources.
  std::function<Result<cluster::ClusterView>(const std::vector<std::string>& resources)> read_view;
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
  void create_rescue_rule(const std::string& resource, Done done);
  // Reads the cluster's view unless a read is still running (returns false,
  // skipped). on_view runs on the reading thread, with nullopt when the CIB
  // could not be read.
  bool poll_view(const std::vector<std::string>& resources,
                 std::function<void(std::optional<cluster::ClusterView>)> on_view);

 private:
  ClusterCalls calls_;
  std::atomic<bool> poll_in_flight_{false};
  std::atomic<bool> view_in_flight_{false};
  // Declared last: destroyed first, so no task outlives what it uses.
  Worker reports_{"vmha-cluster"};
  Worker polls_{"vmha-maint"};
  Worker views_{"vmha-cib"};
};

}  // namespace vmha::eventd
