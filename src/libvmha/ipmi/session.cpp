#include "libvmha/ipmi/session.h"

#include <freeipmi/freeipmi.h>
#include <string.h>

#include <algorithm>

#include "libvmha/base/bounded.h"
#include "libvmha/ipmi/errors.h"

namespace vmha::ipmi {
namespace {

struct ObjFree {
  void operator()(fiid_obj_t o) const { fiid_obj_destroy(o); }
};
using Obj = std::unique_ptr<std::remove_pointer_t<fiid_obj_t>, ObjFree>;

void free_ctx(ipmi_ctx* ctx) {
  ipmi_ctx_close(ctx);
  ipmi_ctx_destroy(ctx);
}

struct Login {
  std::shared_ptr<ipmi_ctx> ctx;
};

// libfreeipmi's session timeout: most of the budget, so that its own
// (more precise) error usually comes before the hard bound.
unsigned inner_timeout(Millis budget) {
  return static_cast<unsigned>(std::max<int64_t>(budget.count() * 4 / 5, 100));
}

Result<Login> login(SessionParams p) {
  std::shared_ptr<ipmi_ctx> ctx(ipmi_ctx_create(), free_ctx);
  if (!ctx) return make_error(Errc::kInternal, "cannot allocate an IPMI context (out of memory)");
  std::string host = p.host + ":" + std::to_string(p.port);
  unsigned timeout = inner_timeout(p.timeout);
  // A lost packet costs one retransmission interval; keep it short.
  unsigned retransmit = std::clamp(timeout / 4, 50u, 250u);
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
    rc = ipmi_ctx_open_outofband(ctx.get(), host.c_str(), user, pass, static_cast<uint8_t>(p.auth),
                                 static_cast<uint8_t>(p.privilege), timeout, retransmit,
                                 IPMI_WORKAROUND_FLAGS_DEFAULT, IPMI_FLAGS_DEFAULT);
  }
  explicit_bzero(p.password.data(), p.password.size());
  if (rc < 0) return map_error(ipmi_ctx_errnum(ctx.get()), p.bmc_name(), true);
  return Login{std::move(ctx)};
}

}  // namespace

Result<Session> Session::open(SessionParams p) {
  std::string bmc = p.bmc_name();
  Millis budget = p.timeout;
  auto r = run_bounded<Login>([p = std::move(p)]() mutable { return login(std::move(p)); }, budget,
                              "login to " + bmc);
  // The hard bound fired (libfreeipmi overshot its own timeout): say where to
  // look.
  if (!r && r.error().code == Errc::kTimeout && r.error().message.ends_with(" ms")) {
    return make_error(Errc::kTimeout,
                      r.error().message + "; check ip, ipport, cipher and that the BMC is up");
  }
  if (!r) return r.error();
  return Session(std::move(r->ctx), bmc, budget);
}

Status Session::usable() const {
  if (abandoned_) return make_error(Errc::kTimeout, bmc_ + " stopped answering in this session");
  return ok_status();
}

Result<bool> Session::power_is_on() {
  VMHA_TRY(usable());
  auto ctx = ctx_;
  std::string bmc = bmc_;
  auto r = run_bounded<bool>(
      [ctx, bmc]() -> Result<bool> {
        Obj rs(fiid_obj_create(tmpl_cmd_get_chassis_status_rs));
        if (!rs) return make_error(Errc::kInternal, "cannot allocate an IPMI response");
        if (ipmi_cmd_get_chassis_status(ctx.get(), rs.get()) < 0) {
          return map_error(ipmi_ctx_errnum(ctx.get()), bmc, false);
        }
        uint64_t on = 0;
        if (fiid_obj_get(rs.get(), "current_power_state.power_is_on", &on) < 0) {
          return make_error(Errc::kInternal,
                            bmc + " sent a chassis status without the power state");
        }
        return on != 0;
      },
      timeout_, "chassis status from " + bmc_);
  if (!r && r.error().code == Errc::kTimeout) abandoned_ = true;
  return r;
}

Status Session::chassis_control(ChassisControl c) {
  VMHA_TRY(usable());
  auto ctx = ctx_;
  std::string bmc = bmc_;
  auto r = run_bounded<Unit>(
      [ctx, bmc, c]() -> Result<Unit> {
        Obj rs(fiid_obj_create(tmpl_cmd_chassis_control_rs));
        if (!rs) return make_error(Errc::kInternal, "cannot allocate an IPMI response");
        if (ipmi_cmd_chassis_control(ctx.get(), static_cast<uint8_t>(c), rs.get()) < 0) {
          return map_error(ipmi_ctx_errnum(ctx.get()), bmc, false);
        }
        return Unit{};
      },
      timeout_, "chassis control of " + bmc_);
  if (!r && r.error().code == Errc::kTimeout) abandoned_ = true;
  return r;
}

}  // namespace vmha::ipmi
