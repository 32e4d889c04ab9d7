#include "libvmha/disk/agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include "libvmha/base/strings.h"
#include "libvmha/disk/power_device.h"

namespace vmha::embedded {
std::string_view fence_vmha_disk_xml();
}

namespace vmha::disk {
namespace {

std::string local_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  std::string s(buf);
  return s.substr(0, std::min(s.size(), kNameMax));
}

std::vector<std::string> problems(const fence::Options& o, fence::Action action) {
  std::vector<std::string> out;
  if (action == fence::Action::kMetadata) return out;
  auto devices = parse_devices(o.get_or("devices", ""));
  if (!devices) {
    out.push_back(devices.error().message);
    return out;
  }
  if (action != fence::Action::kValidateAll) return out;
  for (const std::string& d : *devices) {
    struct stat st {};
    if (stat(d.c_str(), &st) != 0) out.push_back("device " + d + " does not exist; check devices=");
  }
  return out;
}

Result<std::unique_ptr<fence::PowerDevice>> make_device(const fence::Options& o,
                                                        const std::optional<std::string>& target,
                                                        Clock& clock) {
  auto devices = parse_devices(o.get_or("devices", ""));
  if (!devices) return devices.error();
  auto io_timeout = o.seconds("io_timeout");
  if (!io_timeout) return io_timeout.error();
  auto set = DiskSet::open(*devices, *io_timeout);
  if (!set) return set.error();
  return std::unique_ptr<fence::PowerDevice>(
      new DiskPowerDevice(std::move(*set), target.value_or(""), local_name(), clock));
}

}  // namespace

Result<std::vector<std::string>> parse_devices(std::string_view devices) {
  std::vector<std::string> out;
  for (const std::string& d : split(devices, ',')) {
    std::string_view t = trim(d);
    if (!t.empty()) out.emplace_back(t);
  }
  if (out.empty() || out.size() > 3) {
    return make_error(Errc::kInvalidArgument,
                      "devices= must list 1 to 3 sbd devices, separated by commas");
  }
  return out;
}

fence::AgentDef disk_agent() {
  fence::AgentDef def;
  def.metadata_xml = embedded::fence_vmha_disk_xml();
  def.extra_problems = problems;
  def.make_device = make_device;
  def.needs_target = true;
  return def;
}

}  // namespace vmha::disk
