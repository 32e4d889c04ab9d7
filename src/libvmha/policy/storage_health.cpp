#include "libvmha/policy/storage_health.h"

namespace vmha::policy {

const char* to_string(Health h) {
  switch (h) {
    case Health::kGreen: return "green";
    case Health::kYellow: return "yellow";
    case Health::kRed: return "red";
  }
  return "red";
}

Health worst(Health a, Health b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

bool StorageHealth::record(bool ok) {
  Health before = health_;
  if (ok) {
    failures_ = 0;
    health_ = Health::kGreen;
  } else {
    ++failures_;
    if (failures_ >= t_.red_after) health_ = Health::kRed;
    else if (failures_ >= t_.yellow_after) health_ = Health::kYellow;
  }
  return health_ != before;
}

}  // namespace vmha::policy
