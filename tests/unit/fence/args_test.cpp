#include "libvmha/fence/args.h"

#include <gtest/gtest.h>

#include "ipmi_spec.h"

#include "libvmha/fence/spec.h"

namespace vmha::fence {
namespace {

TEST(FenceArgs, StdinSkipsCommentsAndBlankLinesAndStripsQuotes) {
  Args a = parse_stdin_text("# a comment\n\n  ip = \"10.0.0.5\"\naction=off\n", ipmi_spec());
  EXPECT_EQ(a.values.at("ip"), "10.0.0.5");
  EXPECT_EQ(a.values.at("action"), "off");
  EXPECT_TRUE(a.warnings.empty());
}

TEST(FenceArgs, StdinMapsDeprecatedNamesAndDashes) {
  Args a = parse_stdin_text(
      "ipaddr=1.2.3.4\nlogin=admin\npasswd=pw\npasswd-"
      "script=/bin/x\nport=n1\npower-wait=3\n",
      ipmi_spec());
  EXPECT_EQ(a.values.at("ip"), "1.2.3.4");
  EXPECT_EQ(a.values.at("username"), "admin");
  EXPECT_EQ(a.values.at("password"), "pw");
  EXPECT_EQ(a.values.at("password_script"), "/bin/x");
  EXPECT_EQ(a.values.at("plug"), "n1");
  EXPECT_EQ(a.values.at("power_wait"), "3");
  EXPECT_FALSE(a.values.contains("ipaddr"));
}

TEST(FenceArgs, StdinBooleanSpellings) {
  for (const char* t : {"1", "yes", "on", "true", "TRUE"}) {
    EXPECT_EQ(parse_stdin_text(std::string("lanplus=") + t, ipmi_spec()).values.at("lanplus"), "1")
        << t;
  }
  for (const char* f : {"0", "no", "off", "false"}) {
    EXPECT_EQ(parse_stdin_text(std::string("lanplus=") + f, ipmi_spec()).values.at("lanplus"), "0")
        << f;
  }
  Args bad = parse_stdin_text("lanplus=perhaps", ipmi_spec());
  EXPECT_FALSE(bad.values.contains("lanplus"));
  ASSERT_EQ(bad.warnings.size(), 1u);
}

TEST(FenceArgs, StdinNodenameAndPacemakerKeysAreNotWarned) {
  Args a = parse_stdin_text("nodename=node1\npcmk_host_map=node1:a\nbogus=1\n", ipmi_spec());
  EXPECT_EQ(a.values.size(), 0u);
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_NE(a.warnings[0].find("bogus"), std::string::npos);
}

TEST(FenceArgs, UnknownKeyWarningNeverQuotesTheValue) {
  Args a = parse_stdin_text("pasword=hunter2\n", ipmi_spec());
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_EQ(a.warnings[0].find("hunter2"), std::string::npos);
}

TEST(FenceArgs, CommandLineLongShortAndClusters) {
  auto a = parse_command_line(
      {"--ip=1.2.3.4", "--username", "admin", "-p", "pw", "-Po", "status", "--power-wait=2", "-C3"},
      ipmi_spec());
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->values.at("ip"), "1.2.3.4");
  EXPECT_EQ(a->values.at("username"), "admin");
  EXPECT_EQ(a->values.at("password"), "pw");
  EXPECT_EQ(a->values.at("lanplus"), "1");
  EXPECT_EQ(a->values.at("action"), "status");
  EXPECT_EQ(a->values.at("power_wait"), "2");
  EXPECT_EQ(a->values.at("cipher"), "3");
}

TEST(FenceArgs, CommandLineErrorsNameTheOption) {
  auto unknown = parse_command_line({"--colour=red"}, ipmi_spec());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::kInvalidArgument);
  EXPECT_NE(unknown.error().message.find("--colour"), std::string::npos);
  auto missing = parse_command_line({"--ip"}, ipmi_spec());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("--ip"), std::string::npos);
  auto leftover = parse_command_line({"-o", "status", "stray"}, ipmi_spec());
  ASSERT_TRUE(leftover.ok());
  EXPECT_EQ(leftover->warnings.size(), 1u);
}

}  // namespace
}  // namespace vmha::fence
