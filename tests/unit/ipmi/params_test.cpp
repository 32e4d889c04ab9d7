#include "libvmha/ipmi/params.h"

#include <freeipmi/api/ipmi-api.h>
#include <gtest/gtest.h>

#include "libvmha/fence/options.h"
#include "libvmha/ipmi/agent.h"
#include "libvmha/ipmi/errors.h"

namespace vmha::embedded {
std::string_view fence_vmha_ipmi_xml();
}

namespace vmha::ipmi {
namespace {

TEST(IpmiParams, PrivilegeNames) {
  EXPECT_EQ(parse_privilege("administrator").value(), Privilege::kAdministrator);
  EXPECT_EQ(parse_privilege("ADMIN").value(), Privilege::kAdministrator);
  EXPECT_EQ(parse_privilege("operator").value(), Privilege::kOperator);
  EXPECT_EQ(parse_privilege("callback").value(), Privilege::kCallback);
  EXPECT_FALSE(parse_privilege("root").ok());
}

TEST(IpmiParams, HexKgDecodesAndHidesTheValue) {
  EXPECT_EQ(parse_hex_kg("0x01aB").value(), (std::vector<uint8_t>{0x01, 0xab}));
  EXPECT_TRUE(parse_hex_kg("").value().empty());
  auto odd = parse_hex_kg("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message.find("abc"), std::string::npos);
  EXPECT_FALSE(parse_hex_kg("zz").ok());
  EXPECT_FALSE(parse_hex_kg(std::string(42, 'a')).ok());
}

TEST(IpmiParams, CipherSuitesLibfreeipmiImplements) {
  for (const char* ok : {"0", "3", "17"}) EXPECT_TRUE(parse_cipher_suite(ok).ok()) << ok;
  for (const char* bad : {"4", "13", "18", "-1", "three"}) {
    EXPECT_FALSE(parse_cipher_suite(bad).ok()) << bad;
  }
  EXPECT_EQ(parse_auth("password").value(), AuthType::kPassword);
  EXPECT_FALSE(parse_auth("sha1").ok());
}

TEST(IpmiParams, OptionsBecomeSessionParameters) {
  auto spec = fence::parse_agent_spec(embedded::fence_vmha_ipmi_xml()).value();
  fence::Options o(spec, fence::parse_stdin_text("ip=10.1.1.1\nipport=6230\nlogin=u\nlanplus=0\n"
                                                 "cipher=17\nprivlvl=operator\nlogin_timeout=2.5\n",
                                                 spec));
  auto p = session_params(o, std::string("10.9.9.9"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->host, "10.1.1.1");
  EXPECT_EQ(p->port, 6230);
  EXPECT_EQ(p->username, "u");
  EXPECT_FALSE(p->lanplus);
  EXPECT_EQ(p->cipher_suite, 17);
  EXPECT_EQ(p->privilege, Privilege::kOperator);
  EXPECT_EQ(p->timeout, Millis(2500));
  EXPECT_EQ(p->bmc_name(), "BMC 10.1.1.1:6230");
  fence::Options as_ip(spec, fence::parse_stdin_text("port_as_ip=1\n", spec));
  EXPECT_EQ(session_params(as_ip, std::string("10.9.9.9")).value().host, "10.9.9.9");
  fence::Options bad(spec, fence::parse_stdin_text("ip=x\nipport=70000\n", spec));
  EXPECT_EQ(session_params(bad, std::nullopt).error().code, Errc::kInvalidArgument);
}

TEST(IpmiErrors, LoginFailuresAreDeniedAndSilenceIsUnreachable) {
  EXPECT_EQ(map_error(IPMI_ERR_PASSWORD_INVALID, "BMC b", true).code, Errc::kLoginDenied);
  EXPECT_EQ(map_error(IPMI_ERR_USERNAME_INVALID, "BMC b", true).code, Errc::kLoginDenied);
  EXPECT_EQ(map_error(IPMI_ERR_K_G_INVALID, "BMC b", true).code, Errc::kLoginDenied);
  EXPECT_EQ(map_error(IPMI_ERR_IPMI_ERROR, "BMC b", true).code, Errc::kLoginDenied);
  EXPECT_EQ(map_error(IPMI_ERR_IPMI_ERROR, "BMC b", false).code, Errc::kInternal);
  EXPECT_EQ(map_error(IPMI_ERR_CONNECTION_TIMEOUT, "BMC b", true).code, Errc::kUnreachable);
  EXPECT_EQ(map_error(IPMI_ERR_SESSION_TIMEOUT, "BMC b", false).code, Errc::kTimeout);
  EXPECT_EQ(map_error(IPMI_ERR_PARAMETERS, "BMC b", true).code, Errc::kInvalidArgument);
  Error e = map_error(IPMI_ERR_PASSWORD_INVALID, "BMC 10.0.0.5:623", true);
  EXPECT_NE(e.message.find("BMC 10.0.0.5:623"), std::string::npos);
  EXPECT_NE(e.message.find("password"), std::string::npos);
}

}  // namespace
}  // namespace vmha::ipmi
