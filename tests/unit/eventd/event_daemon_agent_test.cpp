// ocf:vmha:EventDaemon's answers to bad configuration, without starting a
// daemon: the exit code Pacemaker acts on and the one line it shows.
#include "libvmha/eventd_agent/agent.h"
#include "libvmha/ocf/metadata.h"
#include "libvmha/ocf/params.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "../temp_dir.h"

extern char** environ;

namespace vmha::eventd_agent {
namespace {

struct Answer {
  int rc;
  std::string stderr_text;
};

Answer run(const std::string& action, std::map<std::string, std::string> env) {
  // Any executable stands in for the daemon: validate-all only checks it.
  env.try_emplace("OCF_RESKEY_binary", "/bin/true");
  env.try_emplace("OCF_RESOURCE_INSTANCE", "eventd");
  std::string a = action;
  char* argv[] = {const_cast<char*>("EventDaemon"), a.data(), nullptr};
  ::testing::internal::CaptureStderr();
  int rc = run_agent(2, argv, ocf::map_env(env), system_clock());
  return {rc, ::testing::internal::GetCapturedStderr()};
}

std::string run_meta_data() {
  char action[] = "meta-data";
  char* argv[] = {const_cast<char*>("EventDaemon"), action, nullptr};
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_agent(2, argv, ocf::map_env({}), system_clock()), 0);
  return ::testing::internal::GetCapturedStdout();
}

// One line, the reason Pacemaker shows in crm_mon's failed actions.
void expect_one_reason(const Answer& a, const std::string& mentions) {
  EXPECT_EQ(a.stderr_text.rfind("ocf-exit-reason:", 0), 0u) << a.stderr_text;
  EXPECT_EQ(std::count(a.stderr_text.begin(), a.stderr_text.end(), '\n'), 1) << a.stderr_text;
  EXPECT_NE(a.stderr_text.find(mentions), std::string::npos) << a.stderr_text;
}

TEST(EventDaemonAgent, ValidateAllAcceptsTheDefaults) {
  EXPECT_EQ(run("validate-all", {}).rc, 0);
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_heartbeat_paths", "/dev/null"},
                                 {"OCF_RESKEY_self_fence", "command"},
                                 {"OCF_RESKEY_self_fence_command", "/bin/true now"}}).rc, 0);
}

TEST(EventDaemonAgent, InvalidEverywhereIsNotConfigured) {
  auto a = run("validate-all", {{"OCF_RESKEY_isolation", "bogus"}});
  EXPECT_EQ(a.rc, 6);
  expect_one_reason(a, "bogus");
  a = run("validate-all", {{"OCF_RESKEY_heartbeat_interval", "soon"}});
  EXPECT_EQ(a.rc, 6);
  expect_one_reason(a, "soon");
  // A command self-fence with no command.
  a = run("start", {{"OCF_RESKEY_self_fence", "command"}});
  EXPECT_EQ(a.rc, 6);
  expect_one_reason(a, "self");
}

TEST(EventDaemonAgent, JournalRetentionReachesTheDaemon) {
  auto spec = ocf::parse_metadata(run_meta_data());
  ASSERT_TRUE(spec) << spec.error().message;
  auto params = ocf::Params::parse(*spec, ocf::map_env({{"OCF_RESKEY_journal_max_rows", "500"},
                                                         {"OCF_RESKEY_journal_max_days", "7"}}));
  ASSERT_TRUE(params) << params.error().message;
  auto args = daemon_args(*params);
  EXPECT_NE(std::find(args.begin(), args.end(), "--journal-max-rows=500"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--journal-max-days=7"), args.end());
  auto a = run("validate-all", {{"OCF_RESKEY_journal_max_rows", "many"}});
  EXPECT_EQ(a.rc, 6);
  expect_one_reason(a, "many");
  // Values that would wrap when narrowed (and so prune every row) are refused.
  for (auto [name, value] : std::map<std::string, std::string>{{"journal_max_rows", "4294967296"},
                                                               {"journal_max_days", "2147483648"}}) {
    auto big = run("validate-all", {{"OCF_RESKEY_" + name, value}});
    EXPECT_EQ(big.rc, 6) << name;
    expect_one_reason(big, name + ": " + value + " is above the limit");
  }
}

TEST(EventDaemonAgent, MissingBinaryIsNotInstalled) {
  auto a = run("validate-all", {{"OCF_RESKEY_binary", "/nonexistent/vmha-eventd"}});
  EXPECT_EQ(a.rc, 5);
  expect_one_reason(a, "/nonexistent/vmha-eventd");
}

TEST(EventDaemonAgent, ASelfFenceCommandMissingHereIsAnArgumentError) {
  std::map<std::string, std::string> missing{{"OCF_RESKEY_self_fence", "command"},
                                             {"OCF_RESKEY_self_fence_command", "/nonexistent/fence-me now"}};
  auto a = run("validate-all", missing);
  EXPECT_EQ(a.rc, 2);
  expect_one_reason(a, "/nonexistent/fence-me");
  a = run("start", missing);
  EXPECT_EQ(a.rc, 2);
  expect_one_reason(a, "/nonexistent/fence-me");
  // Without a slash it is looked up in PATH, as it will be run.
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_self_fence", "command"},
                                 {"OCF_RESKEY_self_fence_command", "true now"}}).rc, 0);
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_self_fence", "command"},
                                 {"OCF_RESKEY_self_fence_command", "true now"},
                                 {"PATH", "/nonexistent"}}).rc, 2);
}

TEST(EventDaemonAgent, MissingSharedPathsAreTheDaemonsAlarmNotAConfigurationError) {
  // A node whose storage is gone must still run the daemon (red health,
  // the pill watch): validation does not look at shared paths.
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_heartbeat_paths", "/nonexistent/hb"},
                                 {"OCF_RESKEY_pill_devices", "/nonexistent/pill"}}).rc, 0);
}

TEST(EventDaemonAgent, UnknownActionAndStopOfBadConfiguration) {
  auto a = run("bogus", {});
  EXPECT_EQ(a.rc, 3);
  expect_one_reason(a, "bogus");
  // Nothing could have started from it: monitor says not running, stop succeeds.
  std::map<std::string, std::string> missing{{"OCF_RESKEY_pidfile", "/nonexistent/eventd.pid"},
                                             {"OCF_RESKEY_heartbeat_paths", "/nonexistent/hb"}};
  EXPECT_EQ(run("monitor", missing).rc, 7);
  EXPECT_EQ(run("stop", missing).rc, 0);
}

// A process the agent takes for the daemon: sleep, under the daemon's name.
struct FakeDaemon {
  testing::TempDir dir{"vmha-eventd-agent"};
  pid_t pid = 0;
  FakeDaemon() {
    std::filesystem::path exe = dir.path() + "/vmha-eventd";
    std::filesystem::copy_file("/bin/sleep", exe);
    std::filesystem::permissions(exe, std::filesystem::perms::owner_all);
    std::string prog = exe.string(), secs = "60";
    char* argv[] = {prog.data(), secs.data(), nullptr};
    EXPECT_EQ(posix_spawn(&pid, prog.c_str(), nullptr, nullptr, argv, environ), 0);
    std::ofstream(pidfile()) << pid << "\n";
  }
  ~FakeDaemon() {
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  std::string pidfile() const { return dir.path() + "/eventd.pid"; }
  // Reaps it: true once it has exited.
  bool exited() { return waitpid(pid, nullptr, WNOHANG) == pid && (pid = 0, true); }
};

TEST(EventDaemonAgent, StopWithInvalidParametersStillStopsTheDaemon) {
  // A failed stop gets the node fenced: a bad value put in by
  // `pcs resource update` must not turn the clone's stops into failures.
  for (auto bad : std::map<std::string, std::string>{{"OCF_RESKEY_isolation", "bogus"},
                                                      {"OCF_RESKEY_journal_max_rows", "0"}}) {
    FakeDaemon d;
    std::map<std::string, std::string> env{{"OCF_RESKEY_pidfile", d.pidfile()}, bad};
    auto mon = run("monitor", env);
    EXPECT_EQ(mon.rc, 6) << bad.first;
    expect_one_reason(mon, bad.first.substr(sizeof("OCF_RESKEY_") - 1));
    EXPECT_FALSE(d.exited()) << "monitor left it alone";
    auto stop = run("stop", env);
    EXPECT_EQ(stop.rc, 0) << bad.first << ": " << stop.stderr_text;
    EXPECT_TRUE(d.exited()) << bad.first;
  }
}

}  // namespace
}  // namespace vmha::eventd_agent
