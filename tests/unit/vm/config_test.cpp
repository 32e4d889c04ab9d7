#include "libvmha/vm/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "libvmha/ocf/metadata.h"
#include "libvmha/vm/actions.h"

namespace vmha::embedded {
std::string_view VirtualMachine_xml();
}

namespace vmha::vm {
namespace {

class VmConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vmha-cfg-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    xml_ = (dir_ / "vm.xml").string();
    std::ofstream(xml_) << "<domain type='qemu'><name>vm7</name></domain>";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<VmConfig> load(std::map<std::string, std::string> env) {
    if (!env.count("OCF_RESKEY_config")) env["OCF_RESKEY_config"] = xml_;
    auto spec = ocf::parse_metadata(embedded::VirtualMachine_xml());
    auto e = ocf::map_env(env);
    auto params = ocf::Params::parse(*spec, e);
    if (!params) return params.error();
    return load_config(*params, ocf::read_call_info("start", e));
  }
  std::filesystem::path dir_;
  std::string xml_;
};

TEST_F(VmConfigTest, ReadsDomainFromConfig) {
  auto c = load({{"OCF_RESOURCE_INSTANCE", "r1"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->domain);
  EXPECT_EQ(c->domain->name, "vm7");
  EXPECT_EQ(c->policy.resource, "r1");
  EXPECT_EQ(c->policy.resume, virt::ResumeBehavior::kKill);
  EXPECT_TRUE(check_node_local(*c).ok());
}

TEST_F(VmConfigTest, BadValuesAreConfigurationErrors) {
  for (auto [k, v] : std::map<std::string, std::string>{{"OCF_RESKEY_resume_behavior", "later"},
                                                        {"OCF_RESKEY_guest_shutdown", "ignore"},
                                                        {"OCF_RESKEY_kill_paused_after", "0"},
                                                        {"OCF_RESKEY_libvirt_timeout", "-1"},
                                                        {"OCF_RESKEY_config", "relative.xml"},
                                                        {"OCF_RESKEY_snapshot", "relative"}}) {
    auto c = load({{k, v}});
    ASSERT_FALSE(c.ok()) << k;
    EXPECT_EQ(c.error().code, Errc::kInvalidArgument) << k;
    std::string param = k.substr(std::string("OCF_RESKEY_").size());
    EXPECT_NE(c.error().message.find(param), std::string::npos) << c.error().message;
  }
}

TEST_F(VmConfigTest, GuestShutdownStopOnATransientDomainNeedsTheDaemon) {
  auto transient = load({{"OCF_RESKEY_guest_shutdown", "stop"}});
  ASSERT_TRUE(transient.ok()) << transient.error().message;
  EXPECT_NE(config_caveat(*transient).find("vmha-eventd"), std::string::npos);
  auto persistent = load({{"OCF_RESKEY_guest_shutdown", "stop"}, {"OCF_RESKEY_persistent", "true"}});
  ASSERT_TRUE(persistent.ok());
  EXPECT_EQ(config_caveat(*persistent), "");
  EXPECT_EQ(config_caveat(*load({})), "");
}

TEST_F(VmConfigTest, MissingConfigIsNodeLocal) {
  auto c = load({{"OCF_RESKEY_config", (dir_ / "absent.xml").string()}});
  ASSERT_TRUE(c.ok());
  auto s = check_node_local(*c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::kNotConfigured);
}

TEST_F(VmConfigTest, UnparseableConfigIsAConfigurationError) {
  std::ofstream(xml_, std::ios::trunc) << "<domain><nam";
  auto c = load({});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::kInvalidArgument);
}

TEST_F(VmConfigTest, RemoteUriLikeVirtualDomain) {
  auto c = load({{"OCF_RESKEY_migration_transport", "tcp"},
                 {"OCF_RESKEY_migration_user", "root"},
                 {"OCF_RESKEY_migration_network_suffix", "-mig"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(remote_uri(*c, "n2"), "qemu+tcp://root@n2-mig/system");
  c->migration_transport.clear();
  c->migration_user.clear();
  c->migration_network_suffix.clear();
  EXPECT_EQ(remote_uri(*c, "n2"), "qemu://n2/system");
  c->remoteuri = "qemu+ssh://%n.example/system";
  EXPECT_EQ(remote_uri(*c, "n3"), "qemu+ssh://n3.example/system");
}

}  // namespace
}  // namespace vmha::vm
