#include "libvmha/cluster/cluster_view.h"

#include <gtest/gtest.h>

#include "libvmha/base/xml.h"

namespace vmha::cluster {
namespace {

// A CIB as Pacemaker 2.1.5 keeps it (trimmed): three nodes, n3 in standby
// and gone, a remote node, web1 migratable through the resource defaults,
// db1 in a group, web2 with the rescue rule written by an administrator.
constexpr const char* kCib =
    R"(<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="9" num_updates="3" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">
      <nvpair id="o1" name="stonith-enabled" value="false"/>
    </cluster_property_set></crm_config>
    <nodes>
      <node id="1" uname="n1"/>
      <node id="2" uname="n2"><instance_attributes id="n2-ia"><nvpair id="n2-m" name="maintenance" value="false"/></instance_attributes></node>
      <node id="3" uname="n3"><instance_attributes id="n3-ia"><nvpair id="n3-s" name="standby" value="on"/></instance_attributes></node>
      <node id="r1" uname="remote1" type="remote"/>
    </nodes>
    <resources>
      <primitive id="web1" class="ocf" provider="vmha" type="VirtualMachine"/>
      <primitive id="web2" class="ocf" provider="vmha" type="VirtualMachine">
        <meta_attributes id="web2-meta"><nvpair id="web2-am" name="allow-migrate" value="false"/>
          <nvpair id="web2-im" name="is-managed" value="false"/></meta_attributes>
      </primitive>
      <group id="g1"><primitive id="db1" class="ocf" provider="vmha" type="VirtualMachine"/></group>
    </resources>
    <rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rd-am" name="allow-migrate" value="true"/></meta_attributes></rsc_defaults>
    <constraints>
      <rsc_location id="vmha-rescue-web1" rsc="web1"><rule id="r1" score="-INFINITY"><expression id="e1" attribute="x" operation="eq" value="y"/></rule></rsc_location>
      <rsc_location id="mine" rsc="web2"><rule id="r2" score="-INFINITY"><expression id="e2" attribute="vmha-guest-web2" operation="eq" value="rescue"/></rule></rsc_location>
      <rsc_location id="other" rsc="db1"><rule id="r3" score="-50"><expression id="e3" attribute="vmha-guest-db1" operation="eq" value="rescue"/></rule></rsc_location>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="status-1">
        <nvpair id="s1" name="#health-vmha-storage" value="red"/>
        <nvpair id="s2" name="#health-vmha-libvirt" value="green"/>
      </instance_attributes></transient_attributes>
    </node_state>
    <node_state id="2" uname="n2" in_ccm="1700000000" crmd="1700000001" join="member" expected="member">
      <transient_attributes id="2"><instance_attributes id="status-2">
        <nvpair id="s3" name="#health-vmha-storage" value="green"/>
        <nvpair id="s4" name="vmha-maintenance" value="true"/>
      </instance_attributes></transient_attributes>
    </node_state>
    <node_state id="3" uname="n3" in_ccm="false" crmd="offline" join="down" expected="down"/>
  </status>
</cib>)";

TEST(ClusterView, ReadsNodes) {
  auto v = parse_cluster_view(kCib, {});
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->nodes.size(), 3u) << "the remote node is not a member";
  const NodeView &n1 = v->nodes[0], &n2 = v->nodes[1], &n3 = v->nodes[2];
  EXPECT_EQ(n1.name, "n1");
  EXPECT_TRUE(n1.online);
  EXPECT_EQ(n1.storage, "red");
  EXPECT_EQ(n1.libvirt, "green");
  EXPECT_FALSE(n1.standby);
  EXPECT_TRUE(n2.online) << "2.1.7's join times count as online";
  EXPECT_TRUE(n2.maintenance) << "vmha-maintenance";
  EXPECT_EQ(n2.storage, "green");
  EXPECT_EQ(n2.libvirt, "");
  EXPECT_FALSE(n3.online);
  EXPECT_TRUE(n3.standby);
  EXPECT_FALSE(v->maintenance_mode);
}

TEST(ClusterView, ReadsResources) {
  auto v = parse_cluster_view(kCib, {"web1", "web2", "db1", "gone"});
  ASSERT_TRUE(v.ok());
  const ResourceView &web1 = v->resources.at("web1"), &web2 = v->resources.at("web2"),
                     &db1 = v->resources.at("db1"), &gone = v->resources.at("gone");
  EXPECT_TRUE(web1.found);
  EXPECT_TRUE(web1.allow_migrate) << "from the resource defaults";
  EXPECT_TRUE(web1.managed);
  EXPECT_TRUE(web1.rescue_rule) << "found by its id";
  EXPECT_FALSE(web2.allow_migrate) << "its own meta attribute wins";
  EXPECT_FALSE(web2.managed);
  EXPECT_TRUE(web2.rescue_rule) << "an equivalent rule of the administrator's";
  EXPECT_EQ(db1.parent, "g1");
  EXPECT_FALSE(db1.rescue_rule) << "a rule with another score is not the rescue rule";
  EXPECT_FALSE(gone.found);
}

TEST(ClusterView, ClusterMaintenanceAndBadInput) {
  std::string cib = kCib;
  const std::string from = "name=\"stonith-enabled\" value=\"false\"";
  cib.replace(cib.find(from), from.size(), "name=\"maintenance-mode\" value=\"true\"");
  auto v = parse_cluster_view(cib, {});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->maintenance_mode);
  EXPECT_FALSE(parse_cluster_view("<status/>", {}).ok());
  EXPECT_FALSE(parse_cluster_view("not xml", {}).ok());
}

TEST(ClusterView, TheRescueRuleIsWellFormedAndFindsItself) {
  std::string xml = rescue_rule_xml("web\"1");
  XmlDoc doc = parse_xml(xml, "rule.xml");
  ASSERT_TRUE(doc) << xml;
  EXPECT_EQ(guest_attribute("web1"), "vmha-guest-web1");
  std::string cib = std::string(kCib);
  cib.insert(cib.find("</constraints>"), rescue_rule_xml("db1"));
  auto v = parse_cluster_view(cib, {"db1"});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->resources.at("db1").rescue_rule);
  EXPECT_EQ(
      rescue_rule_xml("db1"),
      "<rsc_location id=\"vmha-rescue-db1\" rsc=\"db1\"><rule id=\"vmha-rescue-db1-rule\" "
      "score=\"-INFINITY\"><expression id=\"vmha-rescue-db1-expr\" attribute=\"vmha-guest-db1\" "
      "operation=\"eq\" value=\"rescue\"/></rule></rsc_location>");
}

}  // namespace
}  // namespace vmha::cluster
