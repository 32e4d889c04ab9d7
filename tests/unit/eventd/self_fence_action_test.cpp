#include "libvmha/eventd/self_fence_action.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include "../temp_dir.h"

namespace vmha::eventd {
namespace {

using policy::FenceDecision;

class SelfFenceActionTest : public ::testing::Test {
 protected:
  std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  vmha::testing::TempDir tmp_{"vmha-fence"};
  std::filesystem::path dir_ = tmp_.path();
};

TEST_F(SelfFenceActionTest, ParsesEveryForm) {
  auto w = SelfFenceAction::parse("watchdog");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->kind(), SelfFenceAction::Kind::kWatchdog);
  EXPECT_EQ(w->describe(), "watchdog /dev/watchdog");
  EXPECT_EQ(SelfFenceAction::parse("watchdog:/dev/watchdog1")->describe(),
            "watchdog /dev/watchdog1");
  auto c = SelfFenceAction::parse("command:/usr/bin/touch  /tmp/x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind(), SelfFenceAction::Kind::kCommand);
  EXPECT_EQ(c->argv(), (std::vector<std::string>{"/usr/bin/touch", "/tmp/x"}));
  EXPECT_EQ(SelfFenceAction::parse("command:").error().code, Errc::kInvalidArgument);
  auto bad = SelfFenceAction::parse("reboot");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("command:PROGRAM"), std::string::npos);
  EXPECT_FALSE(SelfFenceAction::command({}).ok());
}

TEST_F(SelfFenceActionTest, CommandRunsWithoutAShellAndGetsTheDecision) {
  auto marker = dir_ / "fenced";
  // The configured program is a shell here only because the test wants one;
  // the action itself passes argv as it is: `$VMHA...` below reaches sh as is.
  auto a = SelfFenceAction::command(
      {"/bin/sh", "-c", "printf '%s %s' \"$VMHA_SELF_FENCE\" \"$VMHA_SELF_FENCE_REASON\" > \"$1\"",
       "sh", marker.string()});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->run(FenceDecision::kOff, "pill from n2").ok());
  EXPECT_EQ(slurp(marker), "off pill from n2");
  ASSERT_TRUE(a->run(FenceDecision::kReset, "x").ok());
  EXPECT_EQ(slurp(marker), "reset x");
  EXPECT_EQ(a->run(FenceDecision::kNone, "x").error().code, Errc::kInvalidArgument);
}

TEST_F(SelfFenceActionTest, CommandFailuresSayWhat) {
  auto fails = SelfFenceAction::command({"/bin/false"});
  auto r = fails->run(FenceDecision::kReset, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("exited 1"), std::string::npos) << r.error().message;
  auto missing = SelfFenceAction::command({(dir_ / "no-such-program").string()});
  r = missing->run(FenceDecision::kReset, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotInstalled);
  EXPECT_NE(r.error().message.find("no-such-program"), std::string::npos);
}

TEST_F(SelfFenceActionTest, ACommandThatHangsCostsTheWaitOnly) {
  auto slow = SelfFenceAction::command({"/bin/sleep", "3"}, Millis(200));
  auto start = std::chrono::steady_clock::now();
  auto r = slow->run(FenceDecision::kReset, "t");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTimeout);
  EXPECT_LT(took, std::chrono::seconds(2));
}

// Never pointed at a real watchdog: these paths fail before anything is
// armed, so the test cannot reboot the machine it runs on.
TEST_F(SelfFenceActionTest, WatchdogWithoutADeviceFailsClearly) {
  auto absent = SelfFenceAction::watchdog((dir_ / "watchdog").string());
  auto r = absent.run(FenceDecision::kReset, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kNotInstalled);
  EXPECT_NE(r.error().message.find("softdog"), std::string::npos) << r.error().message;
  std::ofstream(dir_ / "file").put('x');
  auto file = SelfFenceAction::watchdog((dir_ / "file").string());
  r = file.run(FenceDecision::kOff, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("not a character device"), std::string::npos);
}

}  // namespace
}  // namespace vmha::eventd
