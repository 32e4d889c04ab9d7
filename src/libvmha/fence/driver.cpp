#include "libvmha/fence/driver.h"

#include <algorithm>
#include <optional>
#include <string>

#include "libvmha/base/log.h"
#include "libvmha/fence/exit_code.h"

namespace vmha::fence {
namespace {

const char* upper(PowerState s) { return s == PowerState::kOn ? "ON" : "OFF"; }

std::string secs(Millis ms) {
  std::string s = std::to_string(ms.count() / 1000);
  if (ms.count() % 1000 != 0) s += "." + std::to_string(ms.count() % 1000 / 100);
  return s + " s";
}

// A failure that polling again cannot cure.
bool fatal(const Error& e) {
  return e.code == Errc::kLoginDenied || e.code == Errc::kInvalidArgument ||
         e.code == Errc::kNotConfigured || e.code == Errc::kInternal;
}

constexpr Millis kFirstStatusPause{25};

// Waits power_wait, then polls status until it reads `want` or power_timeout
// passes.
Status confirm(PowerState want, const DriverTiming& t, PowerDevice& device, Clock& clock) {
  clock.sleep_for(t.power_wait);
  Deadline deadline(clock, t.power_timeout);
  std::string last = "it still reported the old state";
  for (int n = 0;; ++n) {
    auto s = device.status();
    if (s && *s == want) return ok_status();
    if (!s) {
      if (fatal(s.error())) return s.error();
      last = s.error().message;
    }
    if (deadline.expired()) {
      return unconfirmed_change(want, std::string("the target did not report ") + upper(want) +
                                          " within power_timeout (" + secs(t.power_timeout) +
                                          "): " + last + "; raise power_timeout if it is slow");
    }
    clock.sleep_for(std::max(Millis(1), std::min(status_pause(n, t.status_sleep),
                                                  deadline.remaining())));
  }
}

Status set_and_confirm(PowerState want, const DriverTiming& t, PowerDevice& device, Clock& clock) {
  VMHA_TRY(want == PowerState::kOn ? device.power_on() : device.power_off());
  return confirm(want, t, device, clock);
}

Result<int> list(bool with_status, PowerDevice& device, std::ostream& out) {
  auto outlets = device.list();
  if (!outlets) return outlets.error();
  for (const Outlet& o : *outlets) {
    out << o.id << ',' << o.alias;
    if (with_status) out << ',' << (o.state ? upper(*o.state) : "UNKNOWN");
    out << '\n';
  }
  return 0;
}

Result<int> reboot(Method method, std::optional<PowerState> before, const DriverTiming& t,
                   PowerDevice& device, Clock& clock, std::ostream& out) {
  if (method == Method::kCycle) {
    VMHA_TRY(device.power_cycle());
    clock.sleep_for(t.power_wait);
    out << "Success: Rebooted\n";
    return 0;
  }
  if (before != PowerState::kOff) VMHA_TRY(set_and_confirm(PowerState::kOff, t, device, clock));
  // The target is fenced once it is off; a failed power-on is reported, not
  // fatal.
  auto on = set_and_confirm(PowerState::kOn, t, device, clock);
  if (!on) log::error("the target is off but did not power on again: " + on.error().message);
  out << "Success: Rebooted\n";
  return 0;
}

}  // namespace

Millis status_pause(int n, Millis status_sleep) {
  Millis pause = kFirstStatusPause;
  for (int i = 0; i < n && pause < status_sleep; ++i) pause *= 2;
  return std::max(Millis(1), std::min(pause, status_sleep));
}

Result<int> run_action(Action action, Method method, const DriverTiming& timing,
                       PowerDevice& device, Clock& clock, std::ostream& out) {
  switch (action) {
    case Action::kMonitor:
      VMHA_TRY(device.monitor());
      return 0;
    case Action::kList:
      return list(false, device, out);
    case Action::kListStatus:
      return list(true, device, out);
    case Action::kMetadata:
    case Action::kValidateAll:
      return make_error(Errc::kInternal, "run_action does not handle metadata or validate-all");
    default:
      break;
  }
  auto status = device.status();
  if (action == Action::kStatus) {
    if (!status) return status.error();
    out << "Status: " << upper(*status) << '\n';
    return *status == PowerState::kOff ? 2 : 0;
  }
  // An unknown state (e.g. a disk slot not yet allocated) does not stop
  // fencing.
  if (!status && status.error().code != Errc::kNotFound) return status.error();
  std::optional<PowerState> before;
  if (status) before = *status;
  if (action == Action::kReboot) return reboot(method, before, timing, device, clock, out);
  PowerState want = action == Action::kOn ? PowerState::kOn : PowerState::kOff;
  if (before == want) {
    out << "Success: Already " << upper(want) << '\n';
    return 0;
  }
  VMHA_TRY(set_and_confirm(want, timing, device, clock));
  out << "Success: Powered " << upper(want) << '\n';
  return 0;
}

}  // namespace vmha::fence
