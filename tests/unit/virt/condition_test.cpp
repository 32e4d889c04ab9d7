#include "libvmha/virt/condition.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

namespace vmha::virt {
namespace {

TEST(Condition, LibvirtReasonsFold) {
  EXPECT_EQ(classify(VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED), Condition::kRunning);
  EXPECT_EQ(classify(VIR_DOMAIN_BLOCKED, 0), Condition::kRunning);
  EXPECT_EQ(classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR), Condition::kPausedIoError);
  EXPECT_EQ(classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER), Condition::kPausedOther);
  EXPECT_EQ(classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION), Condition::kPausedMigration);
  EXPECT_EQ(classify(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED), Condition::kUnknown);
  EXPECT_EQ(classify(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_SHUTDOWN), Condition::kShutOffByGuest);
  EXPECT_EQ(classify(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED), Condition::kShutOffCrashed);
  EXPECT_EQ(classify(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_FAILED), Condition::kShutOffCrashed);
  EXPECT_EQ(classify(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED), Condition::kShutOffOther);
  EXPECT_EQ(classify(VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED), Condition::kGuestCrashed);
  EXPECT_EQ(classify(VIR_DOMAIN_NOSTATE, 0), Condition::kUnknown);
  EXPECT_EQ(classify(42, 0), Condition::kUnknown);
}

TEST(Condition, DescribeUsesLibvirtWords) {
  EXPECT_EQ(describe(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_IOERROR), "paused (ioerror)");
  EXPECT_EQ(describe(VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_CRASHED), "shut off (crashed)");
  EXPECT_EQ(describe(VIR_DOMAIN_RUNNING, 1), "running");
}

}  // namespace
}  // namespace vmha::virt
