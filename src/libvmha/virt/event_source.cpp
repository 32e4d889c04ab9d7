#include "libvmha/virt/event_source.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "libvmha/base/log.h"
#include "libvmha/virt/backoff.h"
#include "libvmha/virt/call_worker.h"
#include "libvmha/virt/event_connection.h"

namespace vmha::virt {
namespace {

// libvirt's default event loop is process-global; so is this claim on it.
std::atomic<bool> g_loop_claimed{false};

using ConnPtr = std::shared_ptr<EventConnection>;

// A connect that may outlive the wait for it: a hung libvirtd accepts the
// socket and never answers. The supervisor keeps waiting on the same attempt
// rather than starting another, so at most one thread is ever stuck in it;
// an attempt nobody wants any more closes what it opened.
struct PendingOpen {
  std::mutex mu;
  bool done = false;
  bool abandoned = false;
  std::optional<Result<ConnPtr>> result;

  bool is_done() {
    std::lock_guard lock(mu);
    return done;
  }
  Result<ConnPtr> take() {
    std::lock_guard lock(mu);
    return std::move(*result);
  }
  void abandon() {
    std::optional<Result<ConnPtr>> leftover;
    {
      std::lock_guard lock(mu);
      abandoned = true;
      leftover = std::move(result);
    }
    if (leftover && leftover->ok()) std::thread([c = leftover->value()] { c->close(); }).detach();
  }
};

}  // namespace

struct EventSource::Impl : std::enable_shared_from_this<EventSource::Impl> {
  Impl(EventSourceOptions o, Sink s) : opt(std::move(o)), sink(std::move(s)) {}

  void run_loop() {
    while (!loop_quit.load()) run_event_loop_once();
  }
  void supervise();
  // Runs one connection from keepalive to teardown; returns why it ended.
  std::pair<DisconnectReason, std::string> run_session(const ConnPtr& conn);
  std::shared_ptr<PendingOpen> start_open();

  // Waits up to d for pred() or stop(); false once stopping.
  template <typename Pred>
  bool wait_for(Millis d, Pred pred) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, d, [&] { return stopping || pred(); });
    return !stopping;
  }
  void wake() {
    { std::lock_guard lock(mu); }
    cv.notify_all();
  }

  void deliver(DomainEvent e) {
    try {
      sink(std::move(e));
    } catch (const std::exception& ex) {
      log::error(std::string("event sink threw: ") + ex.what());
    } catch (...) {
      log::error("event sink threw");
    }
  }
  void emit_if_live(uint64_t gen, DomainEvent e) {
    std::lock_guard lock(emit_mu);
    if (gen == live_gen && !sink_closed) deliver(std::move(e));
  }
  void go_live(uint64_t gen) {
    DomainEvent e = new_event(EventKind::kConnected);
    e.uri = opt.uri;
    std::lock_guard lock(emit_mu);
    live_gen = gen;
    down_reported = false;
    log::info("connected to libvirtd at " + opt.uri);
    if (!sink_closed) deliver(std::move(e));
  }
  // Reported once per loss; later failed attempts are only logged.
  void report_down(DisconnectReason reason, const std::string& message) {
    std::lock_guard lock(emit_mu);
    live_gen = 0;
    if (down_reported || sink_closed) {
      log::debug("still disconnected: " + message);
      return;
    }
    down_reported = true;
    log::warning(message);
    DomainEvent e = new_event(EventKind::kDisconnected);
    e.uri = opt.uri;
    e.disconnect = reason;
    e.message = message;
    deliver(std::move(e));
  }
  void on_closed(uint64_t gen, DisconnectReason reason, std::string message) {
    {
      std::lock_guard lock(mu);
      if (closed_gen == gen) return;
      closed_gen = gen;
      close_reason = reason;
      close_message = std::move(message);
    }
    cv.notify_all();
  }

  const EventSourceOptions opt;

  std::mutex emit_mu;  // serializes the sink; guards the fields below
  Sink sink;
  uint64_t live_gen = 0;  // the connection whose events reach the sink; 0: none
  bool down_reported = false;
  bool sink_closed = false;

  std::mutex mu;  // guards the supervisor's wake-up conditions below
  std::condition_variable cv;
  bool stopping = false;
  uint64_t closed_gen = 0;
  DisconnectReason close_reason = DisconnectReason::kNone;
  std::string close_message;

  uint64_t next_gen = 0;  // supervisor thread only
  std::atomic<bool> loop_quit{false};
  std::thread loop_thread;
  std::thread supervisor;
};

std::shared_ptr<PendingOpen> EventSource::Impl::start_open() {
  auto pending = std::make_shared<PendingOpen>();
  std::thread([pending, uri = opt.uri, weak = weak_from_this()] {
    Result<ConnPtr> r = EventConnection::open(uri);
    bool handed_over = false;
    {
      std::lock_guard lock(pending->mu);
      if (!pending->abandoned) {
        pending->result = std::move(r);
        pending->done = handed_over = true;
      }
    }
    if (!handed_over && r.ok()) r.value()->close();
    if (auto self = weak.lock()) self->wake();
  }).detach();
  return pending;
}

void EventSource::Impl::supervise() {
  Backoff backoff(opt.backoff_initial, opt.backoff_max);
  std::shared_ptr<PendingOpen> pending;
  const std::string timeout_ms = std::to_string(opt.call_timeout.count());
  for (bool first = true;; first = false) {
    // A pending connect that completes cuts the wait short.
    if (!first && !wait_for(backoff.next(), [&] { return pending && pending->is_done(); })) break;
    if (!pending) pending = start_open();
    if (!wait_for(opt.call_timeout, [&] { return pending->is_done(); })) break;
    if (!pending->is_done()) {
      report_down(DisconnectReason::kConnectTimeout, "libvirtd at " + opt.uri +
                                                         " did not answer a connect within " +
                                                         timeout_ms + " ms (hung?)");
      continue;
    }
    Result<ConnPtr> opened = pending->take();
    pending.reset();
    if (!opened) {
      report_down(DisconnectReason::kConnectFailed, opened.error().message);
      continue;
    }
    auto [reason, message] = run_session(opened.value());
    if (reason == DisconnectReason::kNone) break;  // stopping
    backoff.reset();
    report_down(reason, message);
  }
  if (pending) pending->abandon();
}

std::pair<DisconnectReason, std::string> EventSource::Impl::run_session(const ConnPtr& conn) {
  const uint64_t gen = ++next_gen;
  CallWorker worker;
  auto bounded = [&](const std::string& what, std::function<Status()> fn) {
    return worker.run<Unit>(opt.call_timeout, what + " (" + opt.uri + ")", std::move(fn));
  };
  auto weak = weak_from_this();

  Status st = bounded("enable keepalive",
                      [conn, interval = opt.keepalive_interval_s, count = opt.keepalive_count] {
                        return conn->set_keepalive(interval, count);
                      });
  if (st) {
    go_live(gen);
    auto deliver = [weak, gen](DomainEvent e) {
      if (auto self = weak.lock()) self->emit_if_live(gen, std::move(e));
    };
    auto closed = [weak, gen](DisconnectReason r, std::string m) {
      if (auto self = weak.lock()) self->on_closed(gen, r, std::move(m));
    };
    st = bounded("register for domain events",
                 [conn, deliver, closed] { return conn->watch(deliver, closed); });
  }
  if (st) {
    bool meta = opt.read_ha_metadata;
    auto listed =
        worker.run<std::vector<DomainSnapshot>>(opt.call_timeout, "list domains (" + opt.uri + ")",
                                                [conn, meta] { return conn->snapshot(meta); });
    if (listed) {
      DomainEvent e = new_event(EventKind::kResync);
      e.uri = opt.uri;
      e.domains = std::move(listed.value());
      emit_if_live(gen, std::move(e));
    } else {
      st = listed.error();
    }
  }
  // Until libvirt closes the connection, a ping fails, or stop().
  const Millis every = opt.ping_interval.count() > 0 ? opt.ping_interval : Millis(3'600'000);
  while (st) {
    if (!wait_for(every, [&] { return closed_gen == gen; })) break;
    if (std::lock_guard lock(mu); closed_gen == gen) break;
    st = bounded("ping", [conn] { return conn->ping(); });
  }

  // A call fails on a connection libvirt is closing before the close
  // callback reaches the event loop; that callback says better what happened.
  if (!st) wait_for(Millis(200), [&] { return closed_gen == gen; });
  std::pair<DisconnectReason, std::string> outcome{DisconnectReason::kNone, ""};
  {
    std::lock_guard lock(mu);
    if (closed_gen == gen)
      outcome = {close_reason, close_message};
    else if (!st)
      outcome = {st.error().code == Errc::kTimeout ? DisconnectReason::kCallTimeout
                                                   : DisconnectReason::kCallFailed,
                 st.error().message};
  }
  if (outcome.first != DisconnectReason::kNone) {
    std::lock_guard lock(emit_mu);
    live_gen = 0;  // nothing of this connection after its Disconnected
  }
  // A worker stuck in a call would run nothing more: close from a thread of
  // its own, which waits for that call to return.
  if (worker.stuck())
    std::thread([conn] { conn->close(); }).detach();
  else
    (void)bounded("close", [conn] {
      conn->close();
      return ok_status();
    });
  return outcome;
}

EventSource::EventSource(EventSourceOptions options, Sink sink)
    : options_(options), impl_(std::make_shared<Impl>(std::move(options), std::move(sink))) {}

EventSource::~EventSource() { stop(); }

Status EventSource::start() {
  const auto& o = options_;
  if (o.uri.empty()) return make_error(Errc::kInvalidArgument, "event source: the URI is empty");
  if (o.keepalive_interval_s < 1 || o.keepalive_count < 1)
    return make_error(Errc::kInvalidArgument,
                      "event source: keepalive interval and count must be at least 1");
  if (o.call_timeout.count() <= 0 || o.backoff_initial.count() <= 0 ||
      o.backoff_max < o.backoff_initial || o.ping_interval.count() < 0)
    return make_error(Errc::kInvalidArgument,
                      "event source: call timeout and backoff must be positive, backoff max "
                      "at least backoff initial, ping interval not negative");
  if (started_)
    return make_error(Errc::kConflict, "event source for " + o.uri + " was already started");
  if (g_loop_claimed.exchange(true))
    return make_error(Errc::kConflict,
                      "another event source runs in this process (libvirt's event loop is "
                      "process-global): stop it first");
  Status reg = register_default_event_loop();
  if (!reg) {
    g_loop_claimed = false;
    return reg.error();
  }
  started_ = true;
  impl_->loop_thread = std::thread([impl = impl_.get()] { impl->run_loop(); });
  impl_->supervisor = std::thread([impl = impl_.get()] { impl->supervise(); });
  return ok_status();
}

void EventSource::stop() {
  Impl& i = *impl_;
  {
    std::lock_guard lock(i.emit_mu);
    i.sink_closed = true;
  }
  {
    std::lock_guard lock(i.mu);
    i.stopping = true;
  }
  i.cv.notify_all();
  if (i.supervisor.joinable()) i.supervisor.join();
  if (i.loop_thread.joinable()) {
    i.loop_quit = true;
    wake_event_loop();
    i.loop_thread.join();
    g_loop_claimed = false;
  }
}

}  // namespace vmha::virt
