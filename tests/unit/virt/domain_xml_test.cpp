#include "libvmha/virt/domain_xml.h"

#include <gtest/gtest.h>

namespace vmha::virt {
namespace {

TEST(DomainXml, ReadsNameDisksAndAgent) {
  auto c = parse_domain_xml(R"(<domain type='qemu'>
    <name>web1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
    <devices>
      <disk type='file' device='disk'><source file='/var/lib/a.img'/><target dev='vda'/><alias name='virtio-disk0'/></disk>
      <disk type='network' device='disk'>
        <source protocol='nbd' name='exp'><host transport='unix' socket='/run/nbd.sock'/></source>
        <target dev='vdb'/></disk>
      <disk type='network'><source protocol='nbd'><host name='10.0.0.1' port='10810'/></source><target dev='vdc'/></disk>
      <disk type='file' device='cdrom'><target dev='hdc'/></disk>
      <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    </devices></domain>)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "web1");
  EXPECT_EQ(c->type, "qemu");
  ASSERT_EQ(c->disks.size(), 3u);
  EXPECT_EQ(c->disks[0].path, "/var/lib/a.img");
  EXPECT_EQ(c->disks[0].target, "vda");
  EXPECT_EQ(c->disks[0].alias, "virtio-disk0");
  EXPECT_EQ(c->disks[1].alias, "");
  EXPECT_EQ(c->disks[1].socket, "/run/nbd.sock");
  EXPECT_EQ(c->disks[1].protocol, "nbd");
  EXPECT_EQ(c->disks[2].host, "10.0.0.1");
  EXPECT_EQ(c->disks[2].port, 10810);
  EXPECT_TRUE(c->has_guest_agent);
}

TEST(DomainXml, RejectsWhatIsNotADomain) {
  EXPECT_FALSE(parse_domain_xml("<domain><devices/></domain>").ok());  // no name
  EXPECT_FALSE(parse_domain_xml("<network><name>x</name></network>").ok());
  EXPECT_FALSE(parse_domain_xml("<domain").ok());
}

}  // namespace
}  // namespace vmha::virt

namespace vmha::virt {
namespace {

TEST(DomainXml, WithUuidAddsOrReplaces) {
  auto added = with_uuid("<domain><name>a</name><memory>1</memory></domain>", "0123");
  ASSERT_TRUE(added.ok());
  auto parsed = parse_domain_xml(*added);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->uuid, "0123");
  EXPECT_LT(added->find("<uuid>"), added->find("<memory>"));
  auto replaced = with_uuid(*added, "4567");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(parse_domain_xml(*replaced)->uuid, "4567");
  EXPECT_FALSE(with_uuid("<domain", "x").ok());
}

}  // namespace
}  // namespace vmha::virt
