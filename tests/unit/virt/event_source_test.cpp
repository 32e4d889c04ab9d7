#include "libvmha/virt/event_source.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "../temp_dir.h"
#include "libvmha/virt/ha_metadata.h"
#include "libvmha/virt/hypervisor.h"

namespace vmha::virt {
namespace {

using std::chrono::steady_clock;

// Collects what the sink gets; waits with a bound.
class Events {
 public:
  EventSource::Sink sink() {
    return [this](DomainEvent e) {
      std::lock_guard lock(mu_);
      all_.push_back(std::move(e));
      cv_.notify_all();
    };
  }
  template <typename Pred>
  std::optional<DomainEvent> wait(Pred pred, Millis timeout = Millis(5000)) {
    std::unique_lock lock(mu_);
    std::optional<DomainEvent> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& e : all_)
        if (pred(e)) {
          found = e;
          return true;
        }
      return false;
    });
    return found;
  }
  std::vector<DomainEvent> snapshot() {
    std::lock_guard lock(mu_);
    return all_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<DomainEvent> all_;
};

auto kind_is(EventKind k) {
  return [k](const DomainEvent& e) { return e.kind == k; };
}

EventSourceOptions quick(std::string uri) {
  EventSourceOptions o;
  o.uri = std::move(uri);
  o.call_timeout = Millis(300);
  o.backoff_initial = Millis(10);
  o.backoff_max = Millis(40);
  return o;
}

// test:///default is one shared in-process hypervisor while a connection to
// it stays open: the Hypervisor below keeps it and changes it.
class EventSourceOnTestDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = Hypervisor::connect("test:///default", Millis(5000));
    ASSERT_TRUE(h.ok()) << h.error().message;
    hv_ = std::move(h.value());
  }
  std::unique_ptr<Hypervisor> hv_;
};

TEST_F(EventSourceOnTestDriver, ConnectsThenResyncsEveryDomainWithItsHaMetadata) {
  HaPolicy p;
  p.resource = "vm-test";
  ASSERT_TRUE(hv_->set_metadata("test", to_xml(p), kHaPrefix, kHaNamespace, false).ok());
  Events events;
  EventSource source(quick("test:///default"), events.sink());
  ASSERT_TRUE(source.start().ok());
  auto resync = events.wait(kind_is(EventKind::kResync));
  ASSERT_TRUE(resync) << "no resync";
  auto all = events.snapshot();
  ASSERT_GE(all.size(), 2u);
  EXPECT_EQ(all[0].kind, EventKind::kConnected);
  EXPECT_EQ(all[0].uri, "test:///default");
  ASSERT_EQ(resync->domains.size(), 1u);
  const DomainSnapshot& d = resync->domains[0];
  EXPECT_EQ(d.name, "test");
  EXPECT_EQ(d.uuid.size(), 36u);
  EXPECT_EQ(d.state, VIR_DOMAIN_RUNNING);
  EXPECT_TRUE(d.active);
  EXPECT_TRUE(d.persistent);
  ASSERT_TRUE(d.ha_metadata.has_value());
  auto parsed = parse_ha_policy(*d.ha_metadata);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->resource, "vm-test");
}

TEST_F(EventSourceOnTestDriver, DeliversLifecycleEventsAndNothingAfterStop) {
  Events events;
  EventSource source(quick("test:///default"), events.sink());
  ASSERT_TRUE(source.start().ok());
  ASSERT_TRUE(events.wait(kind_is(EventKind::kResync)));

  ASSERT_TRUE(hv_->suspend("test").ok());
  auto paused = events.wait([](const DomainEvent& e) {
    return e.kind == EventKind::kLifecycle && e.event == VIR_DOMAIN_EVENT_SUSPENDED;
  });
  ASSERT_TRUE(paused) << "no suspended event";
  EXPECT_EQ(paused->domain, "test");
  EXPECT_EQ(paused->uuid.size(), 36u);
  EXPECT_EQ(lifecycle_name(paused->event, paused->detail), "suspended/paused");
  EXPECT_TRUE(paused->has_state);
  EXPECT_EQ(paused->state, VIR_DOMAIN_PAUSED);
  EXPECT_EQ(paused->reason, VIR_DOMAIN_PAUSED_USER);

  ASSERT_TRUE(hv_->resume("test").ok());
  auto resumed = events.wait([](const DomainEvent& e) {
    return e.kind == EventKind::kLifecycle && e.event == VIR_DOMAIN_EVENT_RESUMED;
  });
  ASSERT_TRUE(resumed) << "no resumed event";
  EXPECT_GE(resumed->mono_ms, paused->mono_ms);

  auto t0 = steady_clock::now();
  source.stop();
  EXPECT_LT(steady_clock::now() - t0, std::chrono::seconds(2));
  size_t seen = events.snapshot().size();
  ASSERT_TRUE(hv_->suspend("test").ok());
  ASSERT_TRUE(hv_->resume("test").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(events.snapshot().size(), seen);
  source.stop();  // idempotent
}

TEST_F(EventSourceOnTestDriver, OneSourcePerProcessAndEachStartsOnce) {
  Events a_events, b_events;
  EventSource a(quick("test:///default"), a_events.sink());
  EventSource b(quick("test:///default"), b_events.sink());
  ASSERT_TRUE(a.start().ok());
  auto second = b.start();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kConflict);
  EXPECT_EQ(a.start().error().code, Errc::kConflict);
  a.stop();
  ASSERT_TRUE(b.start().ok()) << "the loop is free again once the first stopped";
  EXPECT_TRUE(b_events.wait(kind_is(EventKind::kConnected)));
}

TEST(EventSource, RejectsBadOptions) {
  auto bad = [](auto change) {
    EventSourceOptions o;
    change(o);
    EventSource s(o, [](DomainEvent) {});
    auto st = s.start();
    return !st.ok() && st.error().code == Errc::kInvalidArgument;
  };
  EXPECT_TRUE(bad([](EventSourceOptions& o) { o.uri.clear(); }));
  EXPECT_TRUE(bad([](EventSourceOptions& o) { o.keepalive_interval_s = 0; }));
  EXPECT_TRUE(bad([](EventSourceOptions& o) { o.keepalive_count = 0; }));
  EXPECT_TRUE(bad([](EventSourceOptions& o) { o.call_timeout = Millis(0); }));
  EXPECT_TRUE(bad([](EventSourceOptions& o) { o.backoff_max = Millis(1); }));
}

class EventSourceWithoutDaemon : public ::testing::Test {
 protected:
  void TearDown() override {
    if (listener_ >= 0) ::close(listener_);
  }
  std::string uri_for(const std::string& socket) { return "qemu:///system?socket=" + socket; }

  // A socket that accepts connections into its backlog and never answers:
  // what a SIGSTOPped libvirtd looks like to a client.
  std::string silent_socket() {
    std::string path = dir_ + "/hung.sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    return path;
  }

  vmha::testing::TempDir tmp_{"vmha-events"};
  std::string dir_ = tmp_.path();
  int listener_ = -1;
};

TEST_F(EventSourceWithoutDaemon, AbsentDaemonIsReportedOnceWhileRetrying) {
  Events events;
  EventSource source(quick(uri_for(dir_ + "/absent.sock")), events.sink());
  ASSERT_TRUE(source.start().ok());
  auto down = events.wait(kind_is(EventKind::kDisconnected));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->disconnect, DisconnectReason::kConnectFailed);
  EXPECT_NE(down->message.find("absent.sock"), std::string::npos) << down->message;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // several retries
  EXPECT_EQ(events.snapshot().size(), 1u);
  auto t0 = steady_clock::now();
  source.stop();
  EXPECT_LT(steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST_F(EventSourceWithoutDaemon, HungDaemonCostsAtMostTheCallTimeout) {
  Events events;
  EventSource source(quick(uri_for(silent_socket())), events.sink());
  auto t0 = steady_clock::now();
  ASSERT_TRUE(source.start().ok());
  auto down = events.wait(kind_is(EventKind::kDisconnected), Millis(3000));
  ASSERT_TRUE(down) << "a connect that never completes must be reported";
  EXPECT_EQ(down->disconnect, DisconnectReason::kConnectTimeout);
  EXPECT_LT(steady_clock::now() - t0, std::chrono::milliseconds(1500));
  auto t1 = steady_clock::now();
  source.stop();
  EXPECT_LT(steady_clock::now() - t1, std::chrono::seconds(1)) << "stop must not wait for libvirtd";
}

}  // namespace
}  // namespace vmha::virt
