#include "libvmha/vm/rescue.h"

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/eventd/journal_client.h"
#include "libvmha/history/journal.h"
#include "libvmha/virt/condition.h"
#include "libvmha/virt/disk_swap.h"
#include "libvmha/virt/domain_xml.h"
#include "libvmha/virt/qmp.h"
#include "libvmha/vm/ha_record.h"
#include "libvmha/vm/settle.h"

namespace vmha::vm {
namespace {

constexpr Millis kPoll{20};
// A resume on stand-ins pauses the guest again at its first disk request;
// one with none queued is paused by us after this.
constexpr Millis kRepauseWait{2000};
constexpr Millis kSettle{1000};

// Each step goes to the journal vmha-eventd keeps, through its socket;
// without the daemon the log line is the record. Never fails the action.
void journal(const Context& ctx, history::Kind kind, const std::string& domain,
             const std::string& what, const std::string& how, const std::string& outcome,
             const std::string& detail) {
  history::Entry e;
  e.kind = kind;
  e.subject = domain;
  e.what = what;
  e.how = how;
  e.outcome = outcome;
  e.detail = detail;
  if (auto s = eventd::journal_via_eventd(ctx.run_dir() + "/eventd.sock", e); !s)
    log::info("not journalled (" + s.error().message + "): " + what +
              (detail.empty() ? "" : ": " + detail));
}

std::string ms_since(Clock& clock, Millis start) {
  return std::to_string((clock.now() - start).count()) + " ms";
}

Result<std::string> qemu_status(virt::Qmp& q) {
  auto s = q.execute("query-status");
  if (!s) return s.error();
  return s->str("status");
}

// QEMU stays in postmigrate after a migration failed at the hand-over and
// refuses every later one. Resumed on its stand-ins, the guest re-issues its
// failed request, which fails at once: it is paused again, in io-error,
// from which it can migrate; nothing reaches storage meanwhile, since every
// writable disk is a stand-in.
Status leave_postmigrate(Context& ctx, virt::Hypervisor& hv, virt::Qmp& q,
                         const std::string& name) {
  if (auto r = hv.resume(name); !r)
    return make_error(r.error().code, "cannot resume " + name +
                                          " on its stand-ins to leave QEMU's "
                                          "postmigrate state: " +
                                          r.error().message);
  Deadline wait(ctx.clock(), std::min(kRepauseWait, ctx.deadline().remaining()));
  for (;;) {
    auto s = qemu_status(q);
    if (!s) return s.error();
    if (*s == "io-error") return Unit{};
    if (wait.expired()) break;
    ctx.clock().sleep_for(kPoll);
  }
  // No request was queued: it would run until its next one. Paused now, it
  // leaves paused all the same.
  if (auto p = hv.suspend(name); !p)
    return make_error(p.error().code, "cannot pause " + name +
                                          " again after leaving QEMU's postmigrate "
                                          "state: " +
                                          p.error().message);
  return Unit{};
}

// Targets by alias from the live definition, so messages say "vda"; empty
// (QEMU's aliases then) when libvirt does not give it.
virt::DiskNames disk_names(virt::Hypervisor& hv, const std::string& name) {
  virt::DiskNames names;
  auto live = hv.xml(name, 0);
  auto dom = live ? virt::parse_domain_xml(*live) : Result<virt::DomainConfig>(live.error());
  if (dom)
    for (const auto& d : dom->disks) names[d.alias] = d.target;
  return names;
}

Error refused(const Context& ctx, const std::string& name, const Error& e) {
  journal(ctx, history::Kind::kAction, name, "rescue: move disks to stand-ins",
          "QMP blockdev-mirror", "failed", e.message);
  return make_error(e.code, "rescue of " + name + " refused: " + e.message +
                                "; it stays paused here, and kill_paused_after still applies");
}

}  // namespace

Result<RescuePrep> prepare_rescue(Context& ctx, virt::Hypervisor& hv, const std::string& name,
                                  const virt::DomainState& st) {
  RescuePrep prep;
  if (virt::classify(st.state, st.reason) != virt::Condition::kPausedIoError) return prep;
  Millis start = ctx.clock().now();
  const std::string target = ctx.call().migrate_target;
  log::info(name +
            " is paused on an I/O error: moving its disks off this node's storage before "
            "migrating it to " +
            target);
  journal(ctx, history::Kind::kDetection, name, "rescue migration asked", "migrate_to", "",
          "paused on an I/O error; target " + target);
  auto rec = read_ha_policy(hv, name);
  virt::HaPolicy p = rec && *rec ? **rec : ctx.cfg().policy;
  virt::Qmp q = virt::Qmp::through(hv, name);
  auto status = qemu_status(q);
  if (!status)
    return make_error(status.error().code, "rescue of " + name + ": " + status.error().message);
  // Refused disks are found before anything changes; the swap checks again.
  virt::DiskNames names = disk_names(hv, name);
  auto blocks = virt::read_block_state(q, names);
  auto plan = blocks ? virt::plan_swaps(*blocks) : Result<virt::SwapPlan>(blocks.error());
  if (!plan) return refused(ctx, name, plan.error());
  prep.resume_on_target = p.resume != virt::ResumeBehavior::kLeavePaused;
  if (prep.resume_on_target) {
    // Marked before the swap: a swapped guest can no longer resume here,
    // and if this action dies half-way the target must still resume it.
    p.rescue_since = ctx.clock().wall_seconds();
    // A record without the pause's time would be rewritten whole (mark
    // lost) by the next monitor that sees the pause.
    if (p.paused_since == 0) p.paused_since = p.rescue_since;
    if (auto w = write_ha_policy(hv, name, p, false); !w)
      return make_error(
          w.error().code,
          "rescue of " + name + ": cannot mark it for migrate_from: " + w.error().message);
  }
  auto swapped = virt::swap_to_standins(q, ctx.clock(), ctx.deadline(), names, &*blocks);
  if (!swapped) return refused(ctx, name, swapped.error());
  std::string detail =
      std::to_string(swapped->disks) + " disk(s) on stand-ins; moved now: " +
      (swapped->moved.empty() ? "none" : join(swapped->moved, ", ")) +
      "; deleted: " + (swapped->deleted.empty() ? "none" : join(swapped->deleted, ", "));
  if (*status == "postmigrate") {
    if (auto l = leave_postmigrate(ctx, hv, q, name); !l) {
      journal(ctx, history::Kind::kAction, name, "rescue: leave postmigrate", "virDomainResume",
              "failed", l.error().message);
      return make_error(l.error().code, "rescue of " + name + ": " + l.error().message);
    }
    detail += "; QEMU taken out of postmigrate (an earlier plain migration had failed)";
  }
  log::info(name + ": " + detail + " in " + ms_since(ctx.clock(), start));
  journal(ctx, history::Kind::kAction, name, "rescue: disks moved to stand-ins",
          "QMP blockdev-mirror", "ok", detail + "; " + ms_since(ctx.clock(), start));
  prep.rescue = true;
  prep.prepared_at = ctx.clock().now();
  return prep;
}

void rescue_migrated(Context& ctx, const std::string& name, const RescuePrep& prep,
                     const Status& migrated) {
  if (!prep.rescue) return;
  std::string took = ms_since(ctx.clock(), prep.prepared_at);
  journal(ctx, history::Kind::kAction, name,
          "rescue: migrated paused to " + ctx.call().migrate_target, "virDomainMigrateToURI3",
          migrated ? "ok" : "failed",
          migrated ? took : migrated.error().message + " after " + took);
}

Result<std::string> finish_rescue(Context& ctx, virt::Hypervisor& hv, const std::string& name) {
  auto rec = read_ha_policy(hv, name);
  if (!rec)
    return make_error(rec.error().code,
                      "cannot read the HA record of " + name + ": " + rec.error().message);
  if (!*rec || (*rec)->rescue_since == 0) return std::string();
  Millis start = ctx.clock().now();
  auto st = hv.state(name);
  if (!st) return st.error();
  virt::Condition c = virt::classify(st->state, st->reason);
  if (c != virt::Condition::kRunning) {
    if (auto r = hv.resume(name); !r) {
      journal(ctx, history::Kind::kAction, name, "rescue: resume", "virDomainResume", "failed",
              r.error().message);
      return make_error(
          r.error().code,
          "domain " + name + " arrived for a rescue but cannot be resumed: " + r.error().message);
    }
  }
  virt::Condition seen = virt::Condition::kRunning;
  if (!stays_running(ctx.clock(), hv, name, std::min(kSettle, ctx.deadline().remaining()), &seen)) {
    std::string why = seen == virt::Condition::kPausedIoError
                          ? "it paused again on an I/O error: the storage fails here too"
                          : "it is " + std::string(seen == virt::Condition::kUnknown
                                                       ? "in a state libvirt did not report"
                                                       : "no longer running");
    journal(ctx, history::Kind::kAction, name, "rescue: resume", "virDomainResume", "failed", why);
    return make_error(Errc::kConflict,
                      "domain " + name + " arrived for a rescue and was resumed, but " + why);
  }
  int64_t paused_s = ctx.clock().wall_seconds() -
                     ((*rec)->paused_since ? (*rec)->paused_since : (*rec)->rescue_since);
  std::string note = "resumed after a rescue off failed storage (paused about " +
                     std::to_string(paused_s) + " s, resume and check " +
                     ms_since(ctx.clock(), start) + ")";
  journal(ctx, history::Kind::kAction, name, "rescue: resumed", "virDomainResume", "ok", note);
  return note;
}

}  // namespace vmha::vm
