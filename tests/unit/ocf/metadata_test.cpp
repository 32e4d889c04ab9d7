#include "libvmha/ocf/metadata.h"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace vmha::embedded {
std::string_view VirtualMachine_xml();
}

namespace vmha::ocf {
namespace {

TEST(Metadata, VirtualMachineDeclaresEveryParameter) {
  auto s = parse_metadata(embedded::VirtualMachine_xml());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->name, "VirtualMachine");
  // VirtualDomain's names, so that switching agents is a change of type.
  for (const char* n :
       {"config", "hypervisor", "force_stop", "migration_transport", "migration_user",
        "migration_network_suffix", "migrateuri", "remoteuri", "migration_downtime",
        "migration_speed", "autoset_utilization_cpu", "autoset_utilization_hv_memory",
        "save_config_on_stop", "snapshot", "persistent", "resume_behavior", "kill_paused_after",
        "guest_shutdown", "libvirt_timeout", "shutdown_timeout"})
    EXPECT_NE(s->find_param(n), nullptr) << n;
  const ParamSpec* config = s->find_param("config");
  ASSERT_NE(config, nullptr);
  EXPECT_TRUE(config->required);
  EXPECT_TRUE(config->unique);
  EXPECT_EQ(s->find_param("kill_paused_after")->type, ParamType::kInteger);
  EXPECT_EQ(s->find_param("kill_paused_after")->default_value, "80");
  EXPECT_EQ(s->find_param("resume_behavior")->default_value, "kill");
}

TEST(Metadata, OnlyConfigIsUniqueSoEverythingElseReloads) {
  auto s = parse_metadata(embedded::VirtualMachine_xml());
  ASSERT_TRUE(s.ok());
  for (const auto& p : s->params) EXPECT_EQ(p.unique, p.name == "config") << p.name;
}

TEST(Metadata, ActionsAdvertised) {
  auto s = parse_metadata(embedded::VirtualMachine_xml());
  ASSERT_TRUE(s.ok());
  std::set<std::string> names;
  for (const auto& a : s->actions) names.insert(a.name);
  EXPECT_EQ(names, (std::set<std::string>{"start", "stop", "monitor", "status", "reload", "migrate_to",
                                          "migrate_from", "meta-data", "validate-all"}));
}

TEST(Metadata, RejectsGarbage) {
  EXPECT_FALSE(parse_metadata("<not-closed").ok());
  EXPECT_FALSE(parse_metadata("<other/>").ok());
  EXPECT_FALSE(parse_metadata("<resource-agent><parameters><parameter name='x'><content type='float'/>"
                              "</parameter></parameters></resource-agent>")
                   .ok());
}

}  // namespace
}  // namespace vmha::ocf
