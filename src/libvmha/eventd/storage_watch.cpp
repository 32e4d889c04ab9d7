#include "libvmha/eventd/storage_watch.h"

#include <optional>

#include "libvmha/base/log.h"
#include "libvmha/disk/heartbeat.h"
#include "libvmha/disk/pill_watcher.h"
#include "libvmha/eventd/self_fence_action.h"
#include "libvmha/eventd/worker.h"
#include "libvmha/policy/self_fence.h"

namespace vmha::eventd {

struct StorageWatch::Impl {
  Impl(const Options& o, Loop& l, JournalSink& j, OnHealth h, Quorate q)
      : opt(o), loop(l), journal(j), on_health(std::move(h)), quorate(std::move(q)) {}

  const Options& opt;
  Loop& loop;
  JournalSink& journal;
  OnHealth on_health;
  Quorate quorate;

  // Loop thread only, except where a worker owns the object.
  std::optional<disk::StorageHeartbeat> heartbeat;  // heartbeat_worker's
  std::vector<policy::StorageHealth> health;
  bool beat_in_flight = false;
  std::optional<disk::PillWatcher> pills;  // pill_worker's
  std::optional<SelfFenceAction> fence;
  bool read_in_flight = false;
  bool fencing = false;
  std::optional<Millis> disk_lost_at;
  std::optional<Millis> quorum_lost_at;
  std::unique_ptr<Worker> heartbeat_worker;
  std::unique_ptr<Worker> pill_worker;

  void beat() {
    if (beat_in_flight) return;  // a hung path: the next beat waits for this one
    beat_in_flight = true;
    heartbeat_worker->submit([this] {
      auto results = heartbeat->beat_all();
      loop.post([this, results = std::move(results)] { on_beats(results); });
    });
  }

  void on_beats(const std::vector<disk::BeatResult>& results) {
    beat_in_flight = false;
    policy::Health overall = policy::Health::kGreen;
    for (size_t i = 0; i < results.size() && i < health.size(); ++i) {
      const auto& r = results[i];
      bool before_ok = health[i].consecutive_failures() == 0;
      if (health[i].record(r.ok())) {
        journal.record(history::Kind::kDetection, r.path,
                       std::string("heartbeat ") + policy::to_string(health[i].health()),
                       "O_DIRECT write and read-back", "",
                       r.ok() ? "answers again" : r.error->message);
      } else if (before_ok && !r.ok()) {
        journal.record(history::Kind::kDetection, r.path, "heartbeat failed",
                       "O_DIRECT write and read-back", "", r.error->message);
      }
      overall = policy::worst(overall, health[i].health());
    }
    on_health(overall);
  }

  void read_pill() {
    if (read_in_flight || fencing) return;
    read_in_flight = true;
    pill_worker->submit([this] {
      auto reading = pills->read();
      loop.post([this, reading = std::move(reading)] { on_pill(reading); });
    });
  }

  void on_pill(const disk::PillReading& r) {
    read_in_flight = false;
    Millis now = loop.clock().now();
    if (r.disk_ok) disk_lost_at.reset();
    else if (!disk_lost_at) {
      disk_lost_at = now;
      journal.record(history::Kind::kDetection, "pill devices", "poison-pill disks unreachable",
                     "sbd slot read", "",
                     std::to_string(r.readable) + " of " + std::to_string(r.configured) + " answer");
    }
    bool q = quorate();
    if (q) quorum_lost_at.reset();
    else if (!quorum_lost_at) quorum_lost_at = now;
    policy::NodeView v;
    v.pill = r.pill;
    v.disk_reachable = r.disk_ok;
    v.disk_lost_for = disk_lost_at ? now - *disk_lost_at : Millis(0);
    v.quorate = q;
    v.quorum_lost_for = quorum_lost_at ? now - *quorum_lost_at : Millis(0);
    v.watchdog_timeout = opt.watchdog_timeout;
    policy::FenceDecision d = policy::decide_self_fence(v);
    if (d == policy::FenceDecision::kNone) return;
    std::string reason = r.pill == policy::Pill::kReset || r.pill == policy::Pill::kOff
                             ? "poison pill from " + (r.sender.empty() ? "?" : r.sender) + " on " + r.device
                             : "storage and quorum both lost for longer than the watchdog timeout";
    fencing = true;
    log::error("self-fencing (" + std::string(d == policy::FenceDecision::kOff ? "off" : "reset") +
               "): " + reason);
    journal.record(history::Kind::kAction, opt.node, "self-fence", fence->describe(), "started", reason);
    pill_worker->submit([this, d, reason] {
      Status s = fence->run(d, reason);
      journal.record(history::Kind::kAction, opt.node, "self-fence", fence->describe(),
                     s ? "ok" : s.error().message, reason);
      if (!s) log::error("self-fence failed: " + s.error().message);
    });
  }
};

StorageWatch::StorageWatch(const Options& options, Loop& loop, JournalSink& journal,
                           OnHealth on_health, Quorate quorate)
    : impl_(std::make_unique<Impl>(options, loop, journal, std::move(on_health), std::move(quorate))) {}

StorageWatch::~StorageWatch() { stop(); }

Status StorageWatch::start() {
  Impl& d = *impl_;
  const Options& o = d.opt;
  if (!o.heartbeat_paths.empty()) {
    auto hb = disk::StorageHeartbeat::create({o.heartbeat_paths, o.node, o.heartbeat_timeout});
    if (!hb) return hb.error();
    d.heartbeat.emplace(std::move(*hb));
    d.health.assign(o.heartbeat_paths.size(), policy::StorageHealth(o.thresholds));
    d.heartbeat_worker = std::make_unique<Worker>("vmha-heartbeat");
    d.loop.every(o.heartbeat_interval, [&d] { d.beat(); });
    d.beat();
  }
  if (!o.pill_devices.empty()) {
    auto fence = o.self_fence == "command" ? SelfFenceAction::command(o.self_fence_command)
                                           : Result<SelfFenceAction>(SelfFenceAction::watchdog());
    if (!fence) return fence.error();
    d.fence.emplace(std::move(*fence));
    auto pills = disk::PillWatcher::create(o.pill_devices, o.node, o.heartbeat_timeout);
    if (!pills) return pills.error();
    d.pills.emplace(std::move(*pills));
    d.pill_worker = std::make_unique<Worker>("vmha-pills");
    d.loop.every(o.pill_interval, [&d] { d.read_pill(); });
    d.read_pill();
  }
  return Unit{};
}

void StorageWatch::stop() {
  // Workers may be inside a hung device's I/O bounded by its timeout.
  impl_->heartbeat_worker.reset();
  impl_->pill_worker.reset();
}

}  // namespace vmha::eventd
