// Drives the storage pieces vmha-eventd uses, for tests/integration/storage:
// one line per observation on stdout (flushed), tab-separated, the first
// field the kind and the others key=value; mono_ms is CLOCK_MONOTONIC in ms
// (comparable with Python's time.monotonic()).
//
//   vmha_storage_probe heartbeat --node N [--timeout-ms 1000] [--interval-ms 500]
//       [--yellow-after 1] [--red-after 3] [--duration-ms 60000] PATH...
//     beats every interval: `beat` lines (path ok latency_ms block seq health
//     failures error), with storage health per path (policy::StorageHealth).
//   vmha_storage_probe watch --node N --self-fence SPEC [--interval-ms 1000]
//       [--io-timeout-ms 1000] [--quorate yes|no] [--watchdog-timeout-ms 5000]
//       [--duration-ms 60000] DEVICE...
//     reads the pill every interval: `pill` lines; when policy::decide_self_fence
//     says so, runs the self-fence action, prints a `fence` line and exits 0
//     (exit 3 when the action failed).
//   vmha_storage_probe self-fence --self-fence SPEC [--decision reset|off]
//     runs the action once: a `fence` line, exit 0 or 3.
// Exit 2 for bad arguments; SIGTERM/SIGINT end a loop with exit 0.

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/disk/heartbeat.h"
#include "libvmha/disk/layout.h"
#include "libvmha/disk/pill_watcher.h"
#include "libvmha/eventd/self_fence_action.h"
#include "libvmha/policy/self_fence.h"
#include "libvmha/policy/storage_health.h"

namespace {

using vmha::Millis;

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

int64_t mono_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

void emit(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string line = kind + "\tmono_ms=" + std::to_string(mono_ms());
  for (const auto& [k, v] : kv) line += "\t" + k + "=" + v;
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

struct Args {
  std::map<std::string, std::string> opts;
  std::vector<std::string> rest;
  std::string get(const std::string& k, const std::string& dflt) const {
    auto it = opts.find(k);
    return it == opts.end() ? dflt : it->second;
  }
  int64_t num(const std::string& k, int64_t dflt) const {
    auto v = vmha::parse_int(get(k, std::to_string(dflt)));
    if (!v) {
      std::fprintf(stderr, "--%s needs a whole number\n", k.c_str());
      std::exit(2);
    }
    return *v;
  }
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s.starts_with("--") && i + 1 < argc) {
      a.opts[s.substr(2)] = argv[++i];
    } else {
      a.rest.push_back(s);
    }
  }
  return a;
}

// Sleeps until one interval after the last round began, or a signal; a
// round that overran starts the next at once, without catching up.
int64_t pace(int64_t last, int64_t interval) {
  int64_t due = last + interval;
  while (!g_stop && mono_ms() < due) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return std::max(due, mono_ms());
}

int heartbeat(const Args& a) {
  auto hb = vmha::disk::StorageHeartbeat::create(
      {a.rest, a.get("node", ""), Millis(a.num("timeout-ms", 1000))});
  if (!hb) {
    std::fprintf(stderr, "%s\n", hb.error().message.c_str());
    return 2;
  }
  vmha::policy::HealthThresholds t{static_cast<int>(a.num("yellow-after", 1)),
                                   static_cast<int>(a.num("red-after", 3))};
  std::vector<vmha::policy::StorageHealth> health(hb->size(), vmha::policy::StorageHealth(t));
  int64_t interval = a.num("interval-ms", 500);
  int64_t end = mono_ms() + a.num("duration-ms", 60000);
  for (int64_t next = mono_ms(); !g_stop && mono_ms() < end; next = pace(next, interval)) {
    std::vector<vmha::disk::BeatResult> results = hb->beat_all();
    for (size_t i = 0; i < results.size(); ++i) {
      const vmha::disk::BeatResult& r = results[i];
      health[i].record(r.ok());
      emit("beat", {{"path", r.path},
                    {"ok", r.ok() ? "1" : "0"},
                    {"latency_ms", std::to_string(r.latency.count())},
                    {"block", std::to_string(r.block)},
                    {"seq", std::to_string(r.sequence)},
                    {"health", vmha::policy::to_string(health[i].health())},
                    {"failures", std::to_string(health[i].consecutive_failures())},
                    {"error", r.error ? r.error->message : ""}});
    }
  }
  return 0;
}

std::optional<vmha::eventd::SelfFenceAction> action_of(const Args& a) {
  auto action = vmha::eventd::SelfFenceAction::parse(a.get("self-fence", ""));
  if (!action) {
    std::fprintf(stderr, "%s\n", action.error().message.c_str());
    return std::nullopt;
  }
  return *action;
}

int fence(const vmha::eventd::SelfFenceAction& action, vmha::policy::FenceDecision d,
          const std::string& reason) {
  vmha::Status s = action.run(d, reason);
  emit("fence", {{"decision", d == vmha::policy::FenceDecision::kOff ? "off" : "reset"},
                 {"reason", reason},
                 {"ok", s ? "1" : "0"},
                 {"error", s ? "" : s.error().message}});
  return s ? 0 : 3;
}

const char* pill_word(vmha::policy::Pill p) {
  switch (p) {
    case vmha::policy::Pill::kNone:
      return "none";
    case vmha::policy::Pill::kTest:
      return "test";
    case vmha::policy::Pill::kReset:
      return "reset";
    case vmha::policy::Pill::kOff:
      return "off";
    case vmha::policy::Pill::kClear:
      return "clear";
    case vmha::policy::Pill::kOther:
      return "other";
  }
  return "?";
}

int watch(const Args& a) {
  auto action = action_of(a);
  if (!action) return 2;
  auto w = vmha::disk::PillWatcher::create(a.rest, a.get("node", ""),
                                           Millis(a.num("io-timeout-ms", 1000)));
  if (!w) {
    std::fprintf(stderr, "%s\n", w.error().message.c_str());
    return 2;
  }
  bool quorate = a.get("quorate", "yes") == "yes";
  int64_t interval = a.num("interval-ms", 1000);
  int64_t start = mono_ms(), end = start + a.num("duration-ms", 60000);
  int64_t disk_lost_since = -1;  // mono_ms; -1 while the disks answer
  for (int64_t next = start; !g_stop && mono_ms() < end; next = pace(next, interval)) {
    vmha::disk::PillReading r = w->read();
    int64_t now = mono_ms();
    if (r.disk_ok) {
      disk_lost_since = -1;
    } else if (disk_lost_since < 0) {
      disk_lost_since = now;
    }
    std::string errors;
    for (const auto& d : r.devices) {
      if (d.error) errors += (errors.empty() ? "" : "; ") + d.error->message;
    }
    emit("pill", {{"pill", pill_word(r.pill)},
                  {"command", vmha::disk::command_name(r.command)},
                  {"sender", r.sender},
                  {"device", r.device},
                  {"readable", std::to_string(r.readable)},
                  {"configured", std::to_string(r.configured)},
                  {"disk_ok", r.disk_ok ? "1" : "0"},
                  {"errors", errors}});
    vmha::policy::NodeView v;
    v.pill = r.pill;
    v.disk_reachable = r.disk_ok;
    v.disk_lost_for = Millis(disk_lost_since < 0 ? 0 : now - disk_lost_since);
    v.quorate = quorate;
    v.quorum_lost_for = Millis(quorate ? 0 : now - start);
    v.watchdog_timeout = Millis(a.num("watchdog-timeout-ms", 5000));
    vmha::policy::FenceDecision d = vmha::policy::decide_self_fence(v);
    if (d != vmha::policy::FenceDecision::kNone) {
      std::string reason =
          r.pill == vmha::policy::Pill::kReset || r.pill == vmha::policy::Pill::kOff
              ? std::string(pill_word(r.pill)) + " from " + r.sender + " on " + r.device
              : "storage and quorum lost";
      return fence(*action, d, reason);
    }
  }
  return 0;
}

int self_fence(const Args& a) {
  auto action = action_of(a);
  if (!action) return 2;
  bool off = a.get("decision", "reset") == "off";
  return fence(*action,
               off ? vmha::policy::FenceDecision::kOff : vmha::policy::FenceDecision::kReset,
               "asked on the command line");
}

}  // namespace

int main(int argc, char** argv) {
  vmha::log::init("vmha_storage_probe");
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  std::string mode = argc > 1 ? argv[1] : "";
  Args a = parse(argc, argv);
  if (mode == "heartbeat") return heartbeat(a);
  if (mode == "watch") return watch(a);
  if (mode == "self-fence") return self_fence(a);
  std::fprintf(stderr, "usage: vmha_storage_probe heartbeat|watch|self-fence [options] [paths]\n");
  return 2;
}
