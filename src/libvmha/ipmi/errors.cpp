#include "libvmha/ipmi/errors.h"

#include <freeipmi/api/ipmi-api.h>

#include <string>

namespace vmha::ipmi {

Error map_error(int n, std::string_view bmc_view, bool during_login) {
  std::string bmc(bmc_view);
  std::string step = during_login ? "login to " + bmc : bmc;
  switch (n) {
    case IPMI_ERR_USERNAME_INVALID:
      return make_error(Errc::kLoginDenied, step + " denied: unknown username; check username");
    case IPMI_ERR_PASSWORD_INVALID:
    case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
      return make_error(Errc::kLoginDenied, step +
                                                " denied: wrong password; check password or "
                                                "password_script");
    case IPMI_ERR_K_G_INVALID:
      return make_error(Errc::kLoginDenied, step + " denied: wrong K_g; check hexadecimal_kg");
    case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
    case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
      return make_error(Errc::kLoginDenied, step +
                                                ": the user lacks the privilege; raise privlvl "
                                                "or the user's limit on the BMC");
    case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
    case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
    case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
    case IPMI_ERR_BAD_RMCPPLUS_STATUS_CODE:
      return make_error(Errc::kLoginDenied,
                        step +
                            " refused the session parameters; check cipher (try 3), lanplus "
                            "and auth against what the BMC offers");
    case IPMI_ERR_IPMI_ERROR:
      if (during_login) {
        return make_error(Errc::kLoginDenied,
                          step +
                              " failed during session negotiation; the BMC may not offer this "
                              "cipher suite: check cipher (try 3)");
      }
      return make_error(Errc::kInternal, bmc + " answered with an IPMI error");
    case IPMI_ERR_CONNECTION_TIMEOUT:
      return make_error(Errc::kUnreachable,
                        bmc +
                            " does not answer; check ip, ipport and that the BMC is powered "
                            "and reachable");
    case IPMI_ERR_SESSION_TIMEOUT:
      return make_error(Errc::kTimeout,
                        step +
                            " timed out; the BMC stopped answering (or does not support this "
                            "cipher suite); check the BMC and login_timeout");
    case IPMI_ERR_MESSAGE_TIMEOUT:
    case IPMI_ERR_BMC_BUSY:
      return make_error(Errc::kTimeout, bmc + " is busy or did not complete the command in time");
    case IPMI_ERR_HOSTNAME_INVALID:
      return make_error(Errc::kUnreachable, bmc + ": the host name does not resolve; check ip");
    case IPMI_ERR_SYSTEM_ERROR:
      return make_error(Errc::kUnreachable, bmc + ": network error; check ip and routing");
    case IPMI_ERR_PARAMETERS:
      return make_error(Errc::kInvalidArgument,
                        bmc +
                            ": invalid session parameters; check cipher, privlvl and "
                            "hexadecimal_kg");
    case IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED:
      return make_error(Errc::kInternal, bmc + " does not support the chassis command");
    default:
      break;
  }
  return make_error(Errc::kInternal, bmc + ": " + ipmi_ctx_strerror(n) + " (libfreeipmi error " +
                                         std::to_string(n) + ")");
}

}  // namespace vmha::ipmi
