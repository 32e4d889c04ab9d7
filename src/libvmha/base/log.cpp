#include "libvmha/base/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

namespace vmha::log {
namespace {

struct State {
  std::mutex mu;
  std::string ident = "vmha";
  std::string tag;
  bool debug = false;
  bool to_stderr = true;
  bool timestamps = false;
};

State& state() {
  static State s;
  return s;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarning: return "WARNING";
    case Level::kError: return "ERROR";
  }
  return "INFO";
}

int syslog_priority(Level l) {
  switch (l) {
    case Level::kDebug: return LOG_DEBUG;
    case Level::kInfo: return LOG_INFO;
    case Level::kWarning: return LOG_WARNING;
    case Level::kError: return LOG_ERR;
  }
  return LOG_INFO;
}

}  // namespace

void init(std::string ident, std::string tag) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.ident = std::move(ident);
  s.tag = std::move(tag);
  // openlog keeps the pointer: the string lives in the static State.
  openlog(s.ident.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void set_debug(bool on) { state().debug = on; }
void set_stderr(bool on) { state().to_stderr = on; }
void set_timestamps(bool on) { state().timestamps = on; }

void write(Level level, std::string_view message) {
  State& s = state();
  if (level == Level::kDebug && !s.debug) return;
  std::lock_guard lock(s.mu);
  const std::string& who = s.tag.empty() ? s.ident : s.tag;
  if (s.to_stderr) {
    if (s.timestamps) {
      timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      tm local;
      localtime_r(&ts.tv_sec, &local);
      char when[32];
      strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &local);
      std::fprintf(stderr, "%s.%03ld ", when, ts.tv_nsec / 1'000'000);
    }
    std::fprintf(stderr, "%s[%d]: %s: %.*s\n", who.c_str(), static_cast<int>(getpid()),
                 level_name(level), static_cast<int>(message.size()), message.data());
  }
  syslog(syslog_priority(level), "%s: %.*s", who.c_str(), static_cast<int>(message.size()),
         message.data());
}

}  // namespace vmha::log
