#include "libvmha/ocf/params.h"

#include <gtest/gtest.h>

#include <string_view>

#include "libvmha/ocf/metadata.h"

namespace vmha::embedded {
std::string_view VirtualMachine_xml();
}

namespace vmha::ocf {
namespace {

AgentSpec spec() {
  auto s = parse_metadata(embedded::VirtualMachine_xml());
  EXPECT_TRUE(s.ok());
  return *s;
}

TEST(Params, DefaultsComeFromMetadata) {
  auto p = Params::parse(spec(), map_env({{"OCF_RESKEY_config", "/etc/vm.xml"}}));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->str("config"), "/etc/vm.xml");
  EXPECT_EQ(p->str("hypervisor"), "qemu:///system");
  EXPECT_EQ(p->str("resume_behavior"), "kill");
  EXPECT_EQ(p->integer("kill_paused_after"), 80);
  EXPECT_EQ(p->integer("libvirt_timeout"), 10);
  EXPECT_TRUE(p->boolean("autoset_utilization_cpu"));
  EXPECT_FALSE(p->boolean("persistent"));
  EXPECT_TRUE(p->given("config"));
  EXPECT_FALSE(p->given("hypervisor"));
}

TEST(Params, MissingRequiredNamesTheParameter) {
  auto p = Params::parse(spec(), map_env({}));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Errc::kInvalidArgument);
  EXPECT_NE(p.error().message.find("config"), std::string::npos);
}

TEST(Params, EmptyValueMeansUnset) {
  auto p = Params::parse(spec(), map_env({{"OCF_RESKEY_config", "/x.xml"}, {"OCF_RESKEY_kill_paused_after", ""}}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->integer("kill_paused_after"), 80);
}

TEST(Params, TypesAreChecked) {
  auto bad_int = Params::parse(spec(), map_env({{"OCF_RESKEY_config", "/x"}, {"OCF_RESKEY_kill_paused_after", "soon"}}));
  ASSERT_FALSE(bad_int.ok());
  EXPECT_NE(bad_int.error().message.find("kill_paused_after=soon"), std::string::npos);
  auto bad_bool = Params::parse(spec(), map_env({{"OCF_RESKEY_config", "/x"}, {"OCF_RESKEY_persistent", "perhaps"}}));
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_NE(bad_bool.error().message.find("persistent"), std::string::npos);
}

TEST(Params, BooleanSpellings) {
  for (const char* v : {"yes", "1", "true", "on"}) {
    auto p = Params::parse(spec(), map_env({{"OCF_RESKEY_config", "/x"}, {"OCF_RESKEY_persistent", v}}));
    ASSERT_TRUE(p.ok()) << v;
    EXPECT_TRUE(p->boolean("persistent")) << v;
  }
}

TEST(CallInfo, ReadsPacemakerVariables) {
  auto c = read_call_info("monitor", map_env({{"OCF_RESOURCE_INSTANCE", "vm1:2"},
                                              {"OCF_RESKEY_CRM_meta_interval", "0"},
                                              {"OCF_RESKEY_CRM_meta_timeout", "20000"},
                                              {"OCF_CHECK_LEVEL", "10"}}));
  EXPECT_EQ(c.resource, "vm1");
  EXPECT_TRUE(c.is_probe());
  EXPECT_EQ(c.timeout_ms, 20000);
  EXPECT_EQ(c.check_level, 10);
  auto d = read_call_info("monitor", map_env({{"OCF_RESKEY_CRM_meta_interval", "10000"},
                                              {"OCF_RESKEY_OCF_CHECK_LEVEL", "20"}}));
  EXPECT_FALSE(d.is_probe());
  EXPECT_EQ(d.check_level, 20);
}

}  // namespace
}  // namespace vmha::ocf
