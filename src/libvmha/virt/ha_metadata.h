// The HA policy the agent records in the domain's own libvirt metadata, so
// that vmha-eventd can act on a domain without reading the CIB.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libvmha/base/result.h"

namespace vmha::virt {

inline constexpr const char* kHaNamespace = "https://vmha.dev/xmlns/libvirt-ha/1";
inline constexpr const char* kHaPrefix = "vmha";

enum class ResumeBehavior { kAutoResume, kLeavePaused, kKill };
enum class GuestShutdown { kRestart, kStop };

std::optional<ResumeBehavior> parse_resume_behavior(std::string_view s);
const char* to_string(ResumeBehavior b);
std::optional<GuestShutdown> parse_guest_shutdown(std::string_view s);
const char* to_string(GuestShutdown g);

struct HaPolicy {
  std::string resource;
  ResumeBehavior resume = ResumeBehavior::kKill;
  int64_t kill_paused_after_s = 80;
  GuestShutdown guest_shutdown = GuestShutdown::kRestart;
  // Wall-clock seconds when the guest was first seen paused on an I/O error;
  // 0 while it is not paused. Kept here so the deadline survives agent calls.
  int64_t paused_since = 0;
  // Wall-clock seconds when the agent's migrate_to moved the guest, paused
  // on an I/O error, off dead storage for a rescue; 0 otherwise. It travels
  // with the domain, and tells migrate_from on the target to resume it (a
  // guest paused for any other reason is left paused).
  int64_t rescue_since = 0;
};

// The element libvirt stores (without namespace declaration; libvirt adds it).
std::string to_xml(const HaPolicy& p);
Result<HaPolicy> parse_ha_policy(std::string_view xml);

}  // namespace vmha::virt
