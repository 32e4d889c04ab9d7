#include "libvmha/fence/spec.h"

#include <gtest/gtest.h>

#include "embedded_metadata.h"

namespace vmha::fence {
namespace {

TEST(FenceSpec, ReadsTheIpmiAgentsMetadata) {
  auto s = parse_agent_spec(embedded::fence_vmha_ipmi_xml());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "fence_vmha_ipmi");
  const ParamSpec* ip = s->find("ip");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->short_opt, 'a');
  EXPECT_EQ(ip->long_opt, "ip");
  const ParamSpec* ipaddr = s->find("ipaddr");
  ASSERT_NE(ipaddr, nullptr);
  EXPECT_TRUE(ipaddr->deprecated);
  EXPECT_EQ(ipaddr->canonical, "ip");
  EXPECT_EQ(s->find("password-script")->name, "password_script");
  EXPECT_TRUE(s->find("password")->secret);
  EXPECT_TRUE(s->find("hexadecimal_kg")->secret);
  EXPECT_FALSE(s->find("password_script")->secret);
  EXPECT_EQ(s->find("lanplus")->type, ParamType::kBoolean);
  EXPECT_EQ(s->find("privlvl")->choices.size(), 4u);
  EXPECT_EQ(s->find("ipport")->default_value, "623");
  EXPECT_EQ(s->find_short('p')->name, "password");
  EXPECT_EQ(s->find("nosuch"), nullptr);
  EXPECT_EQ(s->actions.size(), 9u);
}

TEST(FenceSpec, DiskAgentKeepsFenceSbdNames) {
  auto s = parse_agent_spec(embedded::fence_vmha_disk_xml());
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_NE(s->find("devices"), nullptr);
  EXPECT_TRUE(s->find("devices")->required);
  EXPECT_EQ(s->find("port")->canonical, "plug");
  EXPECT_EQ(s->find("method")->default_value, "cycle");
}

TEST(FenceSpec, RejectsBrokenMetadata) {
  EXPECT_FALSE(parse_agent_spec("<resource-agent").ok());
  EXPECT_FALSE(parse_agent_spec("<other/>").ok());
  EXPECT_FALSE(parse_agent_spec("<resource-agent name='x'><parameters><parameter name='a'>"
                                "<content type='colour'/></parameter></parameters>"
                                "</resource-agent>")
                   .ok());
}

}  // namespace
}  // namespace vmha::fence
