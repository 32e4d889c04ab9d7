#include "libvmha/eventd/cluster_link.h"

namespace vmha::eventd {

bool maintenance_on(const std::optional<std::string>& v) {
  return v && (*v == "true" || *v == "1" || *v == "on" || *v == "yes");
}

ClusterLink::ClusterLink(ClusterCalls calls) : calls_(std::move(calls)) {}

void ClusterLink::fail_resource(const std::string& resource, Done done) {
  reports_.submit([this, resource, done = std::move(done)] { done(calls_.fail_resource(resource)); });
}

void ClusterLink::mark_stopped(const std::string& resource, Done done) {
  reports_.submit([this, resource, done = std::move(done)] { done(calls_.mark_stopped(resource)); });
}

bool ClusterLink::poll_maintenance(std::function<void(bool on)> on_value) {
  if (poll_in_flight_.exchange(true)) return false;
  polls_.submit([this, on_value = std::move(on_value)] {
    auto v = calls_.query_maintenance();
    poll_in_flight_ = false;
    // attrd unreachable: the caller keeps the last known value.
    if (v) on_value(maintenance_on(*v));
  });
  return true;
}

void ClusterLink::create_rescue_rule(const std::string& resource, Done done) {
  reports_.submit([this, resource, done = std::move(done)] { done(calls_.create_rescue_rule(resource)); });
}

bool ClusterLink::poll_view(const std::vector<std::string>& resources,
                            std::function<void(std::optional<cluster::ClusterView>)> on_view) {
  if (view_in_flight_.exchange(true)) return false;
  views_.submit([this, resources, on_view = std::move(on_view)] {
    auto v = calls_.read_view(resources);
    view_in_flight_ = false;
    on_view(v ? std::optional<cluster::ClusterView>(std::move(*v)) : std::nullopt);
  });
  return true;
}

}  // namespace vmha::eventd
