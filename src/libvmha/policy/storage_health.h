// Storage health from consecutive heartbeat results: green while the path
// answers, yellow after yellow_after consecutive failures, red after
// red_after; one success turns it green again. Pure; one instance per path.
#pragma once

#include <string>
#include <vector>

namespace vmha::policy {

enum class Health { kGreen, kYellow, kRed };

const char* to_string(Health h);
// The worse of two: what a node with several paths reports.
Health worst(Health a, Health b);

struct HealthThresholds {
  int yellow_after = 1;
  int red_after = 3;
};

class StorageHealth {
 public:
  explicit StorageHealth(HealthThresholds t = {}) : t_(t) {}
  // Returns true when the health changed with this result.
  bool record(bool ok);
  Health health() const { return health_; }
  int consecutive_failures() const { return failures_; }

 private:
  HealthThresholds t_;
  int failures_ = 0;
  Health health_ = Health::kGreen;
};

}  // namespace vmha::policy
