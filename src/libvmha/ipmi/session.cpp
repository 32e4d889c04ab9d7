#include "libvmha/ipmi/session.h"

#include <freeipmi/freeipmi.h>
#include <string.h>

#include <algorithm>

#include "libvmha/ipmi/errors.h"

namespace vmha::ipmi {
namespace {

struct ObjFree {
  void operator()(fiid_obj_t o) const { fiid_obj_destroy(o); }
};
using Obj = std::unique_ptr<std::remove_pointer_t<fiid_obj_t>, ObjFree>;

void wipe(std::string& s) {
  explicit_bzero(s.data(), s.size());
  s.clear();
}

}  // namespace

void Session::CtxFree::operator()(ipmi_ctx* ctx) const {
  ipmi_ctx_close(ctx);
  ipmi_ctx_destroy(ctx);
}

Session::~Session() = default;

Result<Session> Session::open(SessionParams p) {
  std::unique_ptr<ipmi_ctx, CtxFree> ctx(ipmi_ctx_create());
  if (!ctx) return make_error(Errc::kInternal, "cannot allocate an IPMI context (out of memory)");
  std::string host = p.host + ":" + std::to_string(p.port);
  auto timeout = static_cast<unsigned>(std::max<int64_t>(p.timeout.count(), 100));
  // Retransmit a few times within the session timeout, as a lossy LAN needs.
  unsigned retransmit = std::clamp(timeout / 4, 50u, 1000u);
  const char* user = p.username.empty() ? nullptr : p.username.c_str();
  const char* pass = p.password.empty() ? nullptr : p.password.c_str();
  int rc;
  if (p.lanplus) {
    rc = ipmi_ctx_open_outofband_2_0(
        ctx.get(), host.c_str(), user, pass, p.k_g.empty() ? nullptr : p.k_g.data(),
        static_cast<unsigned>(p.k_g.size()), static_cast<uint8_t>(p.privilege), p.cipher_suite,
        timeout, retransmit,
        // Simulators (ipmi_sim) and several BMCs answer Open Session with the
        // maximum privilege rather than the one asked for.
        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, IPMI_FLAGS_DEFAULT);
  } else {
    rc = ipmi_ctx_open_outofband(ctx.get(), host.c_str(), user, pass,
                                 static_cast<uint8_t>(p.auth), static_cast<uint8_t>(p.privilege),
                                 timeout, retransmit, IPMI_WORKAROUND_FLAGS_DEFAULT,
                                 IPMI_FLAGS_DEFAULT);
  }
  wipe(p.password);
  if (rc < 0) return map_error(ipmi_ctx_errnum(ctx.get()), p.bmc_name(), true);
  return Session(std::move(ctx), p.bmc_name());
}

Result<bool> Session::power_is_on() {
  Obj rs(fiid_obj_create(tmpl_cmd_get_chassis_status_rs));
  if (!rs) return make_error(Errc::kInternal, "cannot allocate an IPMI response (out of memory)");
  if (ipmi_cmd_get_chassis_status(ctx_.get(), rs.get()) < 0) {
    return map_error(ipmi_ctx_errnum(ctx_.get()), bmc_, false);
  }
  uint64_t on = 0;
  if (fiid_obj_get(rs.get(), "current_power_state.power_is_on", &on) < 0) {
    return make_error(Errc::kInternal, bmc_ + " sent a chassis status without the power state");
  }
  return on != 0;
}

Status Session::chassis_control(ChassisControl c) {
  Obj rs(fiid_obj_create(tmpl_cmd_chassis_control_rs));
  if (!rs) return make_error(Errc::kInternal, "cannot allocate an IPMI response (out of memory)");
  if (ipmi_cmd_chassis_control(ctx_.get(), static_cast<uint8_t>(c), rs.get()) < 0) {
    return map_error(ipmi_ctx_errnum(ctx_.get()), bmc_, false);
  }
  return ok_status();
}

}  // namespace vmha::ipmi
