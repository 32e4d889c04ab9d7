#include "libvmha/fence/target.h"

namespace vmha::fence {

std::optional<std::string> resolve_target(const Options& options) {
  auto plug = options.get("plug");
  if (!plug || plug->empty()) return std::nullopt;
  return plug;
}

}  // namespace vmha::fence
