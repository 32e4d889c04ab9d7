#include "libvmha/fence/target.h"

#include "libvmha/base/strings.h"

namespace vmha::fence {

Result<std::map<std::string, std::string>> parse_host_map(std::string_view map) {
  std::map<std::string, std::string> out;
  std::string entry;
  auto flush = [&]() -> Status {
    std::string_view e = trim(entry);
    if (!e.empty()) {
      size_t sep = e.find_first_of(":=");
      if (sep == std::string_view::npos || sep == 0 || sep + 1 == e.size()) {
        return make_error(Errc::kInvalidArgument,
                          "pcmk_host_map entry '" + std::string(e) + "' is not node:port");
      }
      out[std::string(e.substr(0, sep))] = std::string(e.substr(sep + 1));
    }
    entry.clear();
    return ok_status();
  };
  for (char c : map) {
    if (c == ';' || c == ',' || c == ' ' || c == '\t' || c == '\n') {
      VMHA_TRY(flush());
    } else {
      entry += c;
    }
  }
  VMHA_TRY(flush());
  return out;
}

Result<std::optional<std::string>> resolve_target(const Options& options) {
  if (auto plug = options.get("plug"); plug && !plug->empty()) return plug;
  const Args& args = options.args();
  if (!args.nodename || args.nodename->empty()) return std::optional<std::string>();
  auto it = args.pacemaker.find("pcmk_host_map");
  if (it != args.pacemaker.end()) {
    auto map = parse_host_map(it->second);
    if (!map) return map.error();
    auto hit = map->find(*args.nodename);
    if (hit != map->end()) return std::optional<std::string>(hit->second);
  }
  return args.nodename;
}

}  // namespace vmha::fence
