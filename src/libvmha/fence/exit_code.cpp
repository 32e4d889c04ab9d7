#include "libvmha/fence/exit_code.h"

namespace vmha::fence {

ExitCode exit_code_for(const Error& e) {
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
