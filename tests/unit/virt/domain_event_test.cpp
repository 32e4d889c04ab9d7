#include "libvmha/virt/domain_event.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include "libvmha/virt/backoff.h"
#include "libvmha/virt/condition.h"

namespace vmha::virt {
namespace {

TEST(DomainEvent, LifecycleEventsImplyTheStatesHaActsOn) {
  struct Row {
    int event;
    int detail;
    Condition expected;
  };
  const Row rows[] = {
      {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR, Condition::kPausedIoError},
      {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED, Condition::kPausedOther},
      {VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED,
       Condition::kPausedMigration},
      {VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED, Condition::kRunning},
      {VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED, Condition::kRunning},
      {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED, Condition::kShutOffCrashed},
      {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_CRASHED, Condition::kShutOffCrashed},
      {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN, Condition::kShutOffByGuest},
      {VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_DESTROYED, Condition::kShutOffOther},
      {VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST, Condition::kShuttingDown},
      {VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED, Condition::kGuestCrashed},
      {VIR_DOMAIN_EVENT_PMSUSPENDED, VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY, Condition::kPmSuspended},
  };
  for (const Row& r : rows) {
    auto s = state_after(r.event, r.detail);
    ASSERT_TRUE(s.has_value()) << lifecycle_name(r.event, r.detail);
    EXPECT_EQ(classify(s->first, s->second), r.expected) << lifecycle_name(r.event, r.detail);
  }
  EXPECT_FALSE(state_after(VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_ADDED));
  EXPECT_FALSE(state_after(VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED));
  EXPECT_FALSE(state_after(42, 0));
}

TEST(DomainEvent, NamesFollowLibvirt) {
  EXPECT_EQ(lifecycle_name(VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_IOERROR),
            "suspended/ioerror");
  EXPECT_EQ(lifecycle_name(VIR_DOMAIN_EVENT_STOPPED, VIR_DOMAIN_EVENT_STOPPED_FAILED),
            "stopped/failed");
  EXPECT_EQ(lifecycle_name(VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST),
            "shutdown/guest");
  EXPECT_EQ(lifecycle_name(VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED),
            "shutdown/finished");
  EXPECT_EQ(lifecycle_name(VIR_DOMAIN_EVENT_STOPPED, 99), "stopped/unknown");
  EXPECT_EQ(lifecycle_name(-1, 0), "unknown/unknown");
  EXPECT_STREQ(io_action_name(VIR_DOMAIN_EVENT_IO_ERROR_PAUSE), "pause");
  EXPECT_STREQ(io_action_name(VIR_DOMAIN_EVENT_IO_ERROR_REPORT), "report");
  EXPECT_STREQ(watchdog_action_name(VIR_DOMAIN_EVENT_WATCHDOG_RESET), "reset");
  EXPECT_STREQ(watchdog_action_name(VIR_DOMAIN_EVENT_WATCHDOG_INJECTNMI), "inject_nmi");
  EXPECT_STREQ(watchdog_action_name(17), "unknown");
  EXPECT_STREQ(to_string(EventKind::kIoError), "io_error");
  EXPECT_STREQ(to_string(DisconnectReason::kKeepalive), "keepalive");
}

TEST(DomainEvent, DescribeNamesTheDomainAndCause) {
  DomainEvent e = new_event(EventKind::kIoError);
  e.domain = "web1";
  e.io_device = "virtio-disk0";
  e.io_src_path = "nbd+unix:///web1?socket=/run/nbd.sock";
  e.io_reason = "eio";
  e.io_action = VIR_DOMAIN_EVENT_IO_ERROR_PAUSE;
  EXPECT_EQ(describe(e),
            "web1 I/O error on virtio-disk0 (nbd+unix:///web1?socket=/run/nbd.sock): eio, "
            "action pause");
  DomainEvent d = new_event(EventKind::kDisconnected);
  d.uri = "qemu:///system";
  d.disconnect = DisconnectReason::kEof;
  d.message = "gone";
  EXPECT_EQ(describe(d), "disconnected from qemu:///system (eof): gone");
}

TEST(DomainEvent, NewEventIsStampedNow) {
  DomainEvent a = new_event(EventKind::kConnected);
  DomainEvent b = new_event(EventKind::kConnected);
  EXPECT_GT(a.wall_ms, 1'600'000'000'000);
  EXPECT_GE(b.mono_ms, a.mono_ms);
  EXPECT_LT(b.mono_ms - a.mono_ms, 1000);
}

TEST(Backoff, DoublesUpToTheCapAndResets) {
  Backoff b(Millis(100), Millis(5000));
  const long expected[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  for (long ms : expected) EXPECT_EQ(b.next().count(), ms);
  b.reset();
  EXPECT_EQ(b.next().count(), 100);
  Backoff odd(Millis(300), Millis(100));  // a cap below the start is the start
  EXPECT_EQ(odd.next().count(), 300);
  EXPECT_EQ(odd.next().count(), 300);
}

}  // namespace
}  // namespace vmha::virt
