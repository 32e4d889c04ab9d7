#include "libvmha/base/result.h"

namespace vmha {

const char* errc_name(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument: return "invalid argument";
    case Errc::kNotConfigured: return "not configured";
    case Errc::kNotInstalled: return "not installed";
    case Errc::kNotFound: return "not found";
    case Errc::kTimeout: return "timed out";
    case Errc::kUnreachable: return "unreachable";
    case Errc::kLoginDenied: return "login denied";
    case Errc::kIo: return "I/O error";
    case Errc::kConflict: return "conflict";
    case Errc::kInternal: return "internal error";
  }
  return "unknown error";
}

}  // namespace vmha
