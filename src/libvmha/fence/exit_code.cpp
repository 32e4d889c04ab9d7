#include "libvmha/fence/exit_code.h"

#include <string_view>

namespace vmha::fence {
namespace {

constexpr std::string_view kWaitingOnText = "Timed out waiting to power ON: ";
constexpr std::string_view kWaitingOffText = "Timed out waiting to power OFF: ";

}  // namespace

Error unconfirmed_change(PowerState want, const std::string& why) {
  std::string_view head = want == PowerState::kOn ? kWaitingOnText : kWaitingOffText;
  return make_error(Errc::kTimeout, std::string(head) + why);
}

ExitCode exit_code_for(const Error& e) {
  if (e.code == Errc::kTimeout && e.message.starts_with(kWaitingOnText)) {
    return ExitCode::kWaitingOn;
  }
  if (e.code == Errc::kTimeout && e.message.starts_with(kWaitingOffText)) {
    return ExitCode::kWaitingOff;
  }
  switch (e.code) {
    case Errc::kInvalidArgument:
    case Errc::kNotConfigured:
      return ExitCode::kBadArgs;
    case Errc::kLoginDenied:
      return ExitCode::kLoginDenied;
    case Errc::kUnreachable:
    case Errc::kIo:
      return ExitCode::kConnectionLost;
    case Errc::kTimeout:
      return ExitCode::kTimedOut;
    case Errc::kNotFound:
      return ExitCode::kStatusUnknown;
    case Errc::kNotInstalled:
    case Errc::kConflict:
    case Errc::kInternal:
      return ExitCode::kError;
  }
  return ExitCode::kError;
}

}  // namespace vmha::fence
