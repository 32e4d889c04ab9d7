// The body every vmha fence agent shares: read the arguments (stdin when the
// command line has none), answer metadata/help/version, validate, honour
// delay= for off/reboot, build the device and run the action.
#pragma once

#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/fence/action.h"
#include "libvmha/fence/driver.h"
#include "libvmha/fence/options.h"
#include "libvmha/fence/power_device.h"

namespace vmha::fence {

struct AgentDef {
  std::string_view metadata_xml;
  // Checks beyond the metadata's types and required flags; one line each.
  std::function<std::vector<std::string>(const Options&, Action)> extra_problems;
  // Builds the device for one run; `target` is the resolved plug, if any;
  // waits the device needs (sbd's msgwait) go through `clock`.
  std::function<Result<std::unique_ptr<PowerDevice>>(
      const Options&, const std::optional<std::string>& target, Clock& clock)>
      make_device;
  // Whether on/off/reboot/status need a target (plug/port).
  bool needs_target = false;
};

// Returns the exit code of a completed action, or the Error that stopped it
// (the caller maps it with exit_code_for). `args` excludes the program name.
Result<int> run_agent(const AgentDef& def, const std::vector<std::string>& args, std::istream& in,
                      std::ostream& out, Clock& clock);

}  // namespace vmha::fence
