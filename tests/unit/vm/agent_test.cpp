// The agent end to end against libvirt's test driver, which lives inside
// this process: it checks action plumbing, not QEMU behaviour (the
// integration suite does that against real guests).
#include "libvmha/vm/agent.h"

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace vmha::vm {
namespace {

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vmha-agent-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    xml_ = (dir_ / "t1.xml").string();
    // The test driver's state lives while a connection to it is open; the
    // agent opens and closes its own, so the fixture holds one.
    keep_ = virConnectOpen("test:///default");
    ASSERT_NE(keep_, nullptr);
    std::ofstream(xml_) << "<domain type='test'><name>unit-t1</name><memory unit='MiB'>64</memory>"
                           "<vcpu>2</vcpu><os><type>hvm</type></os></domain>";
  }
  void TearDown() override {
    if (keep_) virConnectClose(keep_);
    std::filesystem::remove_all(dir_);
  }

  int run(const std::string& action, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env{{"OCF_RESKEY_config", xml_},
                                           {"OCF_RESKEY_hypervisor", "test:///default"},
                                           {"OCF_RESOURCE_INSTANCE", "t1"},
                                           {"OCF_RESKEY_CRM_meta_timeout", "20000"},
                                           {"OCF_RESKEY_force_stop", "true"},
                                           {"VMHA_RUN_DIR", (dir_ / "run").string()}};
    for (auto& [k, v] : extra) env[k] = v;
    std::string a = action;
    char* argv[] = {const_cast<char*>("VirtualMachine"), a.data(), nullptr};
    return run_agent(2, argv, ocf::map_env(env), system_clock());
  }

  std::filesystem::path dir_;
  std::string xml_;
  virConnectPtr keep_ = nullptr;
};

TEST_F(AgentTest, StartMonitorStopCycle) {
  EXPECT_EQ(run("monitor", {{"OCF_RESKEY_CRM_meta_interval", "0"}}), 7);
  EXPECT_EQ(run("start"), 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "run" / "VirtualMachine" / "t1.domain"));
  EXPECT_EQ(run("monitor"), 0);
  EXPECT_EQ(run("status"), 0) << "status is monitor";
  EXPECT_EQ(run("start"), 0) << "start of a running domain is idempotent";
  EXPECT_EQ(run("reload"), 0);
  EXPECT_EQ(run("stop"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "run" / "VirtualMachine" / "t1.domain"));
  EXPECT_EQ(run("monitor"), 7);
  EXPECT_EQ(run("stop"), 0) << "stopping a stopped domain succeeds";
  EXPECT_EQ(run("status"), 7);
}

bool active(virConnectPtr c, const char* name) {
  virDomainPtr d = virDomainLookupByName(c, name);
  if (!d) return false;
  bool on = virDomainIsActive(d) == 1;
  virDomainFree(d);
  return on;
}

TEST_F(AgentTest, StopWithBadParametersStopsTheDomainStartedHere) {
  ASSERT_EQ(run("start"), 0);
  ASSERT_TRUE(active(keep_, "unit-t1"));
  // Domain and hypervisor as recorded at start are enough to stop it.
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_resume_behavior", "x"}}), 0);
  EXPECT_FALSE(active(keep_, "unit-t1"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "run" / "VirtualMachine" / "t1.domain"));
}

TEST_F(AgentTest, StopWithBadParametersAndNoHypervisorRecordFails) {
  ASSERT_EQ(run("start"), 0);
  std::filesystem::remove(dir_ / "run" / "VirtualMachine" / "t1.uri");
  // Never "stopped" while the guest may run: the cluster must escalate.
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_resume_behavior", "x"}}), 6);
  EXPECT_TRUE(active(keep_, "unit-t1"));
  EXPECT_EQ(run("stop"), 0);
  EXPECT_FALSE(active(keep_, "unit-t1"));
}

TEST_F(AgentTest, StopWithBadParametersTrustsOnlyAMissingRecord) {
  // No record at all: nothing was started here.
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_resume_behavior", "x"}}), 0);
  ASSERT_EQ(run("start"), 0);
  // A record that exists but cannot be read proves nothing (a directory
  // stands in for EIO or EACCES, which root does not get).
  auto rec = dir_ / "run" / "VirtualMachine" / "t1.domain";
  std::filesystem::remove(rec);
  std::filesystem::create_directory(rec);
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_resume_behavior", "x"}}), 6);
  EXPECT_TRUE(active(keep_, "unit-t1"));
  std::filesystem::remove(rec);
  EXPECT_EQ(run("stop"), 0);
  EXPECT_FALSE(active(keep_, "unit-t1"));
}

TEST_F(AgentTest, StopAfterAConfigChangeStopsTheDomainStartedHere) {
  ASSERT_EQ(run("start"), 0);
  ASSERT_TRUE(active(keep_, "unit-t1"));
  // The resource now names another domain; the one started still runs.
  std::string other = (dir_ / "t2.xml").string();
  std::ofstream(other) << "<domain type='test'><name>unit-t2</name><memory unit='MiB'>64</memory>"
                          "<vcpu>1</vcpu><os><type>hvm</type></os></domain>";
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_config", other}}), 0);
  EXPECT_FALSE(active(keep_, "unit-t1"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "run" / "VirtualMachine" / "t1.domain"));
}

TEST_F(AgentTest, UnreachableHypervisorIsNotNotRunning) {
  // No daemon on this socket and no QEMU for the domain: proven not running.
  EXPECT_EQ(run("monitor", {{"OCF_RESKEY_hypervisor", "qemu:///system?socket=/nonexistent/sock"}}), 7);
  // Start cannot succeed without libvirt.
  EXPECT_EQ(run("start", {{"OCF_RESKEY_hypervisor", "qemu:///system?socket=/nonexistent/sock"}}), 1);
}

TEST_F(AgentTest, ExitCodesForBadInput) {
  EXPECT_EQ(run("validate-all"), 0);
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_resume_behavior", "x"}}), 6);
  EXPECT_EQ(run("validate-all", {{"OCF_RESKEY_config", (dir_ / "nope.xml").string()}}), 2);
  EXPECT_EQ(run("start", {{"OCF_RESKEY_config", (dir_ / "nope.xml").string()}}), 2);
  EXPECT_EQ(run("bogus"), 3);
  EXPECT_EQ(run("meta-data"), 0);
  // Bad parameters at stop: nothing was started, so stop succeeds.
  EXPECT_EQ(run("stop", {{"OCF_RESKEY_resume_behavior", "x"}}), 0);
}

}  // namespace
}  // namespace vmha::vm
