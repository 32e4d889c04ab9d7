#include "libvmha/virt/ha_metadata.h"

#include <gtest/gtest.h>

namespace vmha::virt {
namespace {

TEST(HaMetadata, RoundTrips) {
  HaPolicy p;
  p.resource = "vm<1>&\"";
  p.resume = ResumeBehavior::kLeavePaused;
  p.kill_paused_after_s = 17;
  p.guest_shutdown = GuestShutdown::kStop;
  p.paused_since = 1700000123;
  auto back = parse_ha_policy(to_xml(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->resource, p.resource);
  EXPECT_EQ(back->resume, p.resume);
  EXPECT_EQ(back->kill_paused_after_s, 17);
  EXPECT_EQ(back->guest_shutdown, GuestShutdown::kStop);
  EXPECT_EQ(back->paused_since, 1700000123);
  EXPECT_EQ(back->rescue_since, 0);
}

TEST(HaMetadata, TheRescueMarkRoundTripsAndIsAbsentWhenUnset) {
  HaPolicy p;
  p.resource = "r";
  EXPECT_EQ(to_xml(p).find("rescue-since"), std::string::npos);
  p.rescue_since = 1700000456;
  auto back = parse_ha_policy(to_xml(p));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->rescue_since, 1700000456);
}

TEST(HaMetadata, ReadsWhatLibvirtReturnsWithNamespace) {
  auto p = parse_ha_policy(
      "<ha xmlns=\"https://vmha.dev/xmlns/libvirt-ha/1\" resource=\"r\" resume-behavior=\"auto_resume\" "
      "kill-paused-after=\"80\" guest-shutdown=\"restart\" paused-since=\"0\"/>");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->resume, ResumeBehavior::kAutoResume);
}

TEST(HaMetadata, RejectsBadValues) {
  EXPECT_FALSE(parse_ha_policy("<ha resume-behavior=\"sometimes\" guest-shutdown=\"stop\" kill-paused-after=\"1\"/>").ok());
  EXPECT_FALSE(parse_ha_policy("<other/>").ok());
  EXPECT_FALSE(parse_ha_policy("garbage").ok());
}

TEST(HaMetadata, EnumsParse) {
  EXPECT_EQ(parse_resume_behavior("kill"), ResumeBehavior::kKill);
  EXPECT_FALSE(parse_resume_behavior("Kill"));
  EXPECT_EQ(parse_guest_shutdown("stop"), GuestShutdown::kStop);
  EXPECT_FALSE(parse_guest_shutdown(""));
}

}  // namespace
}  // namespace vmha::virt
