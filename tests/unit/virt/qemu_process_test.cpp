#include "libvmha/virt/qemu_process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vmha::virt {
namespace {

std::string cmdline(std::initializer_list<std::string> args) {
  std::string s;
  for (const auto& a : args) s += a + '\0';
  return s;
}

TEST(QemuProcess, CmdlineMatchesOnlyThatGuest) {
  auto c = cmdline({"/usr/bin/qemu-system-x86_64", "-name", "guest=vm1,debug-threads=on", "-S"});
  EXPECT_TRUE(cmdline_names_guest(c, "vm1"));
  EXPECT_FALSE(cmdline_names_guest(c, "vm"));
  EXPECT_FALSE(cmdline_names_guest(c, "vm10"));
  EXPECT_TRUE(cmdline_names_guest(cmdline({"qemu", "-name", "guest=a,,b,debug-threads=on"}), "a,b"));
  EXPECT_FALSE(cmdline_names_guest(cmdline({"qemu", "-uuid", "guest=vm1"}), "vm1"));
}

// A fake /proc tree: the pidfile's pid is checked against its cmdline.
class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("vmha-proc-" + std::to_string(getpid()));
    std::filesystem::create_directories(root_ / "proc");
    std::filesystem::create_directories(root_ / "run");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void add_process(int pid, const std::string& cmd, char state = 'S') {
    auto d = root_ / "proc" / std::to_string(pid);
    std::filesystem::create_directories(d);
    std::ofstream(d / "cmdline") << cmd;
    std::ofstream(d / "stat") << pid << " (qemu-system-x86) " << state << " 1 2 3";
  }
  QemuProcess find(const std::string& name) {
    return find_qemu(name, (root_ / "run").string(), (root_ / "proc").string());
  }
  std::filesystem::path root_;
};

TEST_F(FakeProc, PidfileWithLiveGuestIsRunning) {
  add_process(4242, cmdline({"qemu", "-name", "guest=vm1,debug-threads=on"}));
  std::ofstream(root_ / "run" / "vm1.pid") << "4242\n";
  auto q = find("vm1");
  EXPECT_EQ(q.liveness, Liveness::kRunning);
  EXPECT_EQ(q.pid, 4242);
}

TEST_F(FakeProc, StalePidfileReusedPidIsNotRunning) {
  add_process(4242, cmdline({"/bin/sleep", "100"}));
  std::ofstream(root_ / "run" / "vm1.pid") << "4242\n";
  EXPECT_EQ(find("vm1").liveness, Liveness::kNotRunning);
}

TEST_F(FakeProc, ZombieIsNotRunning) {
  add_process(4242, cmdline({"qemu", "-name", "guest=vm1"}), 'Z');
  std::ofstream(root_ / "run" / "vm1.pid") << "4242\n";
  EXPECT_EQ(find("vm1").liveness, Liveness::kNotRunning);
}

TEST_F(FakeProc, MissingPidfileFallsBackToProcessList) {
  add_process(777, cmdline({"qemu", "-name", "guest=vm2,debug-threads=on"}));
  auto q = find("vm2");
  EXPECT_EQ(q.liveness, Liveness::kRunning);
  EXPECT_EQ(q.pid, 777);
  EXPECT_EQ(find("vm3").liveness, Liveness::kNotRunning);
}

TEST_F(FakeProc, UnreadableProcIsUnknown) {
  EXPECT_EQ(find_qemu("vm1", "/nonexistent", (root_ / "nope").string()).liveness, Liveness::kUnknown);
}

}  // namespace
}  // namespace vmha::virt
