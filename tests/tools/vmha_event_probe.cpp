// Runs a vmha::virt::EventSource and prints one JSON object per event on
// stdout (one line each, flushed), for tests/integration/libvirt_events.
// Times: wall_ms (epoch) and mono_ms (CLOCK_MONOTONIC, comparable with
// Python's time.monotonic()) when the event reached the probe.
//
// Usage: vmha_event_probe [--uri URI] [--keepalive-interval S]
//        [--keepalive-count N] [--call-timeout-ms MS] [--backoff-initial-ms MS]
//        [--backoff-max-ms MS] [--ping-interval-ms MS]
// Runs until SIGTERM or SIGINT, then stops the source and exits 0.

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "libvmha/base/json.h"
#include "libvmha/base/log.h"
#include "libvmha/virt/condition.h"
#include "libvmha/virt/event_source.h"

namespace {

using vmha::virt::DomainEvent;
using vmha::virt::EventKind;

std::string quoted(const std::string& s) { return "\"" + vmha::json_escape(s) + "\""; }

struct Json {
  std::string text = "{";
  Json& field(const char* k, const std::string& v) { return raw(k, quoted(v)); }
  Json& field(const char* k, const char* v) { return raw(k, quoted(v)); }
  Json& field(const char* k, int64_t v) { return raw(k, std::to_string(v)); }
  Json& field(const char* k, bool v) { return raw(k, v ? "true" : "false"); }
  Json& raw(const char* k, const std::string& v) {
    if (text.size() > 1) text += ",";
    text += quoted(k) + ":" + v;
    return *this;
  }
  std::string done() { return text + "}"; }
};

std::string to_json(const DomainEvent& e) {
  Json j;
  j.field("kind", vmha::virt::to_string(e.kind));
  j.field("wall_ms", e.wall_ms).field("mono_ms", e.mono_ms);
  switch (e.kind) {
    case EventKind::kConnected:
      j.field("uri", e.uri);
      break;
    case EventKind::kDisconnected:
      j.field("uri", e.uri).field("reason", vmha::virt::to_string(e.disconnect));
      j.field("message", e.message);
      break;
    case EventKind::kResync: {
      std::string list = "[";
      for (const auto& d : e.domains) {
        Json dj;
        dj.field("name", d.name).field("uuid", d.uuid);
        dj.field("state", int64_t{d.state}).field("reason", int64_t{d.reason});
        dj.field("state_text", vmha::virt::describe(d.state, d.reason));
        dj.field("active", d.active).field("persistent", d.persistent);
        dj.raw("ha_metadata", d.ha_metadata ? quoted(*d.ha_metadata) : "null");
        list += (list.size() > 1 ? "," : "") + dj.done();
      }
      j.field("uri", e.uri).raw("domains", list + "]");
      break;
    }
    default:
      j.field("domain", e.domain).field("uuid", e.uuid);
      break;
  }
  if (e.kind == EventKind::kLifecycle) {
    j.field("event", vmha::virt::lifecycle_name(e.event, e.detail));
    if (e.has_state) {
      j.field("state", int64_t{e.state}).field("reason", int64_t{e.reason});
      j.field("state_text", vmha::virt::describe(e.state, e.reason));
    }
  } else if (e.kind == EventKind::kIoError) {
    j.field("src_path", e.io_src_path).field("device", e.io_device);
    j.field("action", vmha::virt::io_action_name(e.io_action)).field("io_reason", e.io_reason);
  } else if (e.kind == EventKind::kWatchdog) {
    j.field("action", vmha::virt::watchdog_action_name(e.watchdog_action));
  }
  return j.done();
}

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "vmha_event_probe: %s\n", why.c_str());
  std::exit(2);
}

vmha::virt::EventSourceOptions parse(int argc, char** argv) {
  vmha::virt::EventSourceOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) usage(arg + " needs a value");
    std::string v = argv[++i];
    auto number = [&] {
      char* end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end) usage(arg + " wants a number, not " + v);
      return n;
    };
    if (arg == "--uri")
      o.uri = v;
    else if (arg == "--keepalive-interval")
      o.keepalive_interval_s = static_cast<int>(number());
    else if (arg == "--keepalive-count")
      o.keepalive_count = static_cast<int>(number());
    else if (arg == "--call-timeout-ms")
      o.call_timeout = vmha::Millis(number());
    else if (arg == "--backoff-initial-ms")
      o.backoff_initial = vmha::Millis(number());
    else if (arg == "--backoff-max-ms")
      o.backoff_max = vmha::Millis(number());
    else if (arg == "--ping-interval-ms")
      o.ping_interval = vmha::Millis(number());
    else
      usage("unknown option " + arg);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  vmha::log::init("vmha_event_probe");
  auto options = parse(argc, argv);

  // Signals are taken by sigwait on one thread; every other thread blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::mutex mu;
  std::condition_variable cv;
  std::deque<DomainEvent> queue;
  bool quit = false;

  std::thread([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::lock_guard lock(mu);
    quit = true;
    cv.notify_all();
  }).detach();

  // The sink only queues: printing may block on a full pipe.
  vmha::virt::EventSource source(options, [&](DomainEvent e) {
    std::lock_guard lock(mu);
    queue.push_back(std::move(e));
    cv.notify_all();
  });
  if (auto st = source.start(); !st) {
    std::fprintf(stderr, "vmha_event_probe: %s\n", st.error().message.c_str());
    return 1;
  }
  auto print = [](const DomainEvent& e) {
    std::printf("%s\n", to_json(e).c_str());
    std::fflush(stdout);
  };
  std::unique_lock lock(mu);
  while (!quit) {
    cv.wait(lock, [&] { return quit || !queue.empty(); });
    while (!queue.empty()) {
      DomainEvent e = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      print(e);
      lock.lock();
    }
  }
  lock.unlock();
  source.stop();
  for (const auto& e : queue) print(e);
  return 0;
}
