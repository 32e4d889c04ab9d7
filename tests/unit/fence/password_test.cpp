#include "libvmha/fence/password.h"

#include <gtest/gtest.h>

#include "ipmi_spec.h"

namespace vmha::fence {
namespace {

TEST(FencePassword, SplitsWithoutAShell) {
  auto w = split_command_line(R"(/bin/get-pw 'two words' "a \"b\"" c\ d $HOME;x)");
  ASSERT_TRUE(w.ok());
  std::vector<std::string> want{"/bin/get-pw", "two words", "a \"b\"", "c d", "$HOME;x"};
  EXPECT_EQ(*w, want);
  EXPECT_FALSE(split_command_line("'open").ok());
}

TEST(FencePassword, ScriptOutputWithoutTrailingNewline) {
  auto pw = run_password_script({"printf", "s3cret\\n\\n"}, Millis(5000));
  ASSERT_TRUE(pw.ok()) << pw.error().message;
  EXPECT_EQ(*pw, "s3cret");
}

TEST(FencePassword, FailingScriptIsAnErrorWithoutItsOutput) {
  auto pw = run_password_script({"sh", "-c", "echo leaked; exit 3"}, Millis(5000));
  ASSERT_FALSE(pw.ok());
  EXPECT_EQ(pw.error().code, Errc::kNotConfigured);
  EXPECT_EQ(pw.error().message.find("leaked"), std::string::npos);
  EXPECT_NE(pw.error().message.find("exit status 3"), std::string::npos);
  auto missing = run_password_script({"/nonexistent/pw"}, Millis(5000));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotConfigured);
}

TEST(FencePassword, HungScriptIsKilledWithinTheTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto pw = run_password_script({"sleep", "30"}, Millis(200));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(pw.ok());
  EXPECT_EQ(pw.error().code, Errc::kTimeout);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(FencePassword, PasswordBeatsScriptAndOneIsNeeded) {
  const AgentSpec& spec = ipmi_spec();
  Options both(spec, parse_stdin_text("password=a\npassword_script=false\n", spec));
  EXPECT_EQ(resolve_password(both, Millis(1000)).value(), "a");
  Options script(spec, parse_stdin_text("password_script=echo 'from script'\n", spec));
  EXPECT_EQ(resolve_password(script, Millis(5000)).value(), "from script");
  Options none(spec, parse_stdin_text("ip=x\n", spec));
  EXPECT_EQ(resolve_password(none, Millis(1000)).error().code, Errc::kNotConfigured);
}

}  // namespace
}  // namespace vmha::fence
