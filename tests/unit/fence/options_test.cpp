#include "libvmha/fence/options.h"

#include <gtest/gtest.h>

#include "ipmi_spec.h"

#include "libvmha/fence/action.h"
#include "libvmha/fence/exit_code.h"
#include "libvmha/fence/target.h"

namespace vmha::fence {
namespace {

Options from(std::string_view stdin_text) {
  return Options(ipmi_spec(), parse_stdin_text(stdin_text, ipmi_spec()));
}

TEST(FenceOptions, SecondsAcceptFractionsAndUnits) {
  EXPECT_EQ(parse_seconds_ms("2"), 2000);
  EXPECT_EQ(parse_seconds_ms("0.5"), 500);
  EXPECT_EQ(parse_seconds_ms("1500ms"), 1500);
  EXPECT_FALSE(parse_seconds_ms("soon"));
  EXPECT_FALSE(parse_seconds_ms("-1.5"));
}

TEST(FenceOptions, DefaultsComeFromTheMetadata) {
  Options o = from("ip=x\n");
  EXPECT_EQ(o.get("ipport"), "623");
  EXPECT_TRUE(o.flag("lanplus"));
  EXPECT_EQ(o.seconds("power_timeout").value(), Millis(20'000));
  EXPECT_FALSE(o.given("ipport"));
  EXPECT_FALSE(o.get("username"));
}

TEST(FenceOptions, ProblemsNameTheParameterButNeverASecret) {
  Options o = from("ipport=abc\nprivlvl=god\npower_wait=later\nhexadecimal_kg=s3cr3t\n");
  std::vector<std::string> p = o.problems();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NE(p[0].find("ipport 'abc' is not an integer"), std::string::npos);
  for (const std::string& line : p) EXPECT_EQ(line.find("s3cr3t"), std::string::npos);
  Options quiet = from("privlvl=OPERATOR\n");
  EXPECT_TRUE(quiet.problems().empty());
}

TEST(FenceTarget, PlugOrPortAndNeverNodename) {
  EXPECT_EQ(resolve_target(from("plug=p1\nnodename=n1\n")), "p1");
  EXPECT_EQ(resolve_target(from("port=p2\n")), "p2");
  // fence-agents ignore nodename unless the agent declares it.
  EXPECT_EQ(resolve_target(from("nodename=n1\n")), std::nullopt);
  EXPECT_EQ(resolve_target(from("nodename=n1\npcmk_host_map=n1:b\n")), std::nullopt);
  EXPECT_EQ(resolve_target(from("plug=\n")), std::nullopt);
}

TEST(FenceAction, NamesAndAliases) {
  EXPECT_EQ(parse_action("meta-data"), Action::kMetadata);
  EXPECT_EQ(parse_action("List-Status"), Action::kListStatus);
  EXPECT_EQ(parse_action("enable"), Action::kOn);
  EXPECT_EQ(parse_action("disable"), Action::kOff);
  EXPECT_FALSE(parse_action("destroy"));
  EXPECT_EQ(action_name(Action::kValidateAll), "validate-all");
  EXPECT_TRUE(targets_one_host(Action::kReboot));
  EXPECT_FALSE(targets_one_host(Action::kList));
}

TEST(FenceExitCode, FenceAgentsNumbers) {
  EXPECT_EQ(to_int(exit_code_for({Errc::kInvalidArgument, ""})), 2);
  EXPECT_EQ(to_int(exit_code_for({Errc::kLoginDenied, ""})), 3);
  EXPECT_EQ(to_int(exit_code_for({Errc::kUnreachable, ""})), 4);
  EXPECT_EQ(to_int(exit_code_for({Errc::kTimeout, ""})), 5);
  EXPECT_EQ(to_int(exit_code_for(unconfirmed_change(PowerState::kOn, "x"))), 6);
  EXPECT_EQ(to_int(exit_code_for(unconfirmed_change(PowerState::kOff, "x"))), 7);
  EXPECT_EQ(to_int(exit_code_for({Errc::kNotFound, ""})), 8);
  EXPECT_EQ(to_int(exit_code_for({Errc::kInternal, ""})), 1);
}

}  // namespace
}  // namespace vmha::fence
