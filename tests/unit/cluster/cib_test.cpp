// libcib's file backend (CIB_file) is the same client API a live cluster
// uses. It refuses modify requests from a client library here (EPROTONOSUPPORT,
// though cibadmin's own succeed), so writes are tested against a live
// cluster in tests/integration/cluster/.
#include "libvmha/cluster/cib.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vmha::cluster {
namespace {

class CibFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("vmha-cib-" + std::to_string(getpid()) + ".xml");
    std::ofstream(path_) << R"(<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>
    <group id="g"><primitive id="vm1" class="ocf" provider="vmha" type="VirtualMachine">
      <meta_attributes id="custom-meta"><nvpair id="custom-meta-target-role" name="target-role" value="Started"/></meta_attributes>
    </primitive></group>
  </resources><constraints/></configuration><status/></cib>)";
    setenv("CIB_file", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("CIB_file");
    std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
};

TEST_F(CibFileTest, ReadsAnExistingAttribute) {
  auto cib = Cib::connect();
  ASSERT_TRUE(cib.ok()) << cib.error().message;
  auto v = cib->get("vm1", AttrSet::kMeta, "target-role");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, "Started");
  auto none = cib->get("vm1", AttrSet::kUtilization, "cpu");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(CibFileTest, UnknownResourceIsNotFound) {
  auto cib = Cib::connect();
  ASSERT_TRUE(cib.ok());
  auto w = cib->set("nope", AttrSet::kMeta, "target-role", "Stopped");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, Errc::kNotFound);
}

TEST_F(CibFileTest, ReadsAPrimitivesAgent) {
  auto cib = Cib::connect();
  ASSERT_TRUE(cib.ok()) << cib.error().message;
  auto a = cib->agent("vm1");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->standard, "ocf");
  EXPECT_EQ(a->provider, "vmha");
  EXPECT_EQ(a->type, "VirtualMachine");
  auto none = cib->agent("nope");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace vmha::cluster
