#include "libvmha/ocf/exit_code.h"

namespace vmha::ocf {

const char* rc_name(Rc rc) {
  switch (rc) {
    case Rc::kSuccess: return "OCF_SUCCESS";
    case Rc::kErrGeneric: return "OCF_ERR_GENERIC";
    case Rc::kErrArgs: return "OCF_ERR_ARGS";
    case Rc::kErrUnimplemented: return "OCF_ERR_UNIMPLEMENTED";
    case Rc::kErrPerm: return "OCF_ERR_PERM";
    case Rc::kErrInstalled: return "OCF_ERR_INSTALLED";
    case Rc::kErrConfigured: return "OCF_ERR_CONFIGURED";
    case Rc::kNotRunning: return "OCF_NOT_RUNNING";
    case Rc::kDegraded: return "OCF_DEGRADED";
  }
  return "OCF_UNKNOWN";
}

Rc rc_for_error(const Error& e) {
  switch (e.code) {
    case Errc::kInvalidArgument: return Rc::kErrConfigured;
    case Errc::kNotConfigured: return Rc::kErrArgs;
    case Errc::kNotInstalled: return Rc::kErrInstalled;
    case Errc::kLoginDenied: return Rc::kErrPerm;
    case Errc::kNotFound:
    case Errc::kTimeout:
    case Errc::kUnreachable:
    case Errc::kIo:
    case Errc::kConflict:
    case Errc::kInternal: return Rc::kErrGeneric;
  }
  return Rc::kErrGeneric;
}

}  // namespace vmha::ocf
