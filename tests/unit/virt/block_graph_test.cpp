#include "libvmha/virt/block_graph.h"

#include <gtest/gtest.h>

namespace vmha::virt {
namespace {

// What QEMU 7.2 answered for a libvirt 9.0 guest on a raw NBD disk whose
// server died (query-block, query-named-block-nodes, the block graph),
// trimmed to the members read.
constexpr const char* kBlock = R"([{"io-status":"failed","device":"","removable":false,
  "qdev":"/machine/peripheral/virtio-disk0/virtio-backend",
  "inserted":{"node-name":"libvirt-1-format","drv":"raw","ro":false,
    "cache":{"no-flush":false,"direct":true,"writeback":true},
    "image":{"virtual-size":16777216,"format":"raw"}}}])";
constexpr const char* kNodes = R"([{"node-name":"libvirt-1-format","drv":"raw"},
  {"node-name":"libvirt-1-storage","drv":"nbd"}])";
constexpr const char* kGraph =
    R"({"nodes":[{"name":"libvirt-1-format","type":"block-driver","id":2},
  {"name":"libvirt-1-storage","type":"block-driver","id":3},
  {"name":"/machine/peripheral/virtio-disk0/virtio-backend","type":"block-backend","id":1}],
  "edges":[{"name":"file","parent":2,"child":3},{"name":"root","parent":1,"child":2}]})";

Json js(const char* text) {
  auto j = parse_json(text);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message) << "\n" << text;
  return j.ok() ? *j : Json();
}

BlockState state(const char* block, const char* nodes, const char* graph, const char* jobs = "[]") {
  auto s = parse_block_state(js(block), js(nodes), js(graph), js(jobs));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : BlockState{};
}

TEST(BlockGraph, ReadsDisksNodesAndGraph) {
  BlockState s = state(kBlock, kNodes, kGraph);
  ASSERT_EQ(s.disks.size(), 1u);
  const BlockDisk& d = s.disks[0];
  EXPECT_EQ(d.alias, "virtio-disk0");
  EXPECT_EQ(d.name, "virtio-disk0");
  EXPECT_EQ(d.root, "libvirt-1-format");
  EXPECT_EQ(d.driver, "raw");
  EXPECT_EQ(d.size, 16777216);
  EXPECT_TRUE(d.failed);
  EXPECT_TRUE(d.direct);
  EXPECT_FALSE(d.read_only);
  EXPECT_EQ(s.drivers.at("libvirt-1-storage"), "nbd");
  EXPECT_EQ(s.children.at("libvirt-1-format"), std::vector<std::string>{"libvirt-1-storage"});
  EXPECT_TRUE(s.parentless.empty());
}

TEST(BlockGraph, NamesDisksByTheirTargetWhenKnown) {
  auto s = parse_block_state(js(kBlock), js(kNodes), js(kGraph), Json::array(),
                             {{"virtio-disk0", "vda"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->disks[0].name, "vda");
}

TEST(BlockGraph, PlansTheSwapOfARawDisk) {
  auto plan = plan_swaps(state(kBlock, kNodes, kGraph));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->disks.size(), 1u);
  const DiskSwap& w = plan->disks[0];
  EXPECT_EQ(w.old_root, "libvirt-1-format");
  EXPECT_FALSE(w.on_standin);
  EXPECT_FALSE(w.standin_added);
  EXPECT_FALSE(w.job);
  EXPECT_EQ(w.size, 16777216);
  EXPECT_EQ(w.old_nodes, (std::vector<std::string>{"libvirt-1-format", "libvirt-1-storage"}));
  EXPECT_EQ(w.old_nbd_nodes, std::vector<std::string>{"libvirt-1-storage"});
  EXPECT_TRUE(plan->stray_nodes.empty());
}

TEST(BlockGraph, StandinNamesAndDefinition) {
  EXPECT_EQ(standin_node("libvirt-1-format"), "vmha-libvirt-1-format");
  EXPECT_EQ(standin_job("libvirt-1-format"), "vmha-libvirt-1-format-j");
  EXPECT_EQ(standin_blockdev("libvirt-1-format", 4096).dump(),
            R"({"driver":"raw","node-name":"vmha-libvirt-1-format","file":{"driver":"blkdebug",)"
            R"("node-name":"vmha-libvirt-1-format-d","image":{"driver":"null-co","node-name":)"
            R"("vmha-libvirt-1-format-n","size":4096},"inject-error":[{"event":"write_aio",)"
            R"("iotype":"write","errno":5},{"event":"read_aio","iotype":"read","errno":5}]}})");
}

TEST(BlockGraph, AStandinAddedAndAJobStartedAreReused) {
  BlockState s = state(
      kBlock,
      R"([{"node-name":"libvirt-1-format","drv":"raw"},{"node-name":"libvirt-1-storage","drv":"nbd"},
                          {"node-name":"vmha-libvirt-1-format","drv":"raw"},
                          {"node-name":"vmha-libvirt-1-format-d","drv":"blkdebug"},
                          {"node-name":"vmha-libvirt-1-format-n","drv":"null-co"}])",
      R"({"nodes":[{"name":"libvirt-1-format","type":"block-driver","id":2},
                          {"name":"libvirt-1-storage","type":"block-driver","id":3},
                          {"name":"vmha-libvirt-1-format","type":"block-driver","id":4},
                          {"name":"vmha-libvirt-1-format-d","type":"block-driver","id":5},
                          {"name":"vmha-libvirt-1-format-n","type":"block-driver","id":6},
                          {"name":"dev","type":"block-backend","id":1}],
                          "edges":[{"parent":2,"child":3},{"parent":1,"child":2},{"parent":4,"child":5},
                          {"parent":5,"child":6}]})",
      R"([{"device":"vmha-libvirt-1-format-j","type":"mirror","status":"ready","ready":true}])");
  EXPECT_EQ(s.parentless, std::vector<std::string>{"vmha-libvirt-1-format"});
  auto plan = plan_swaps(s);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const DiskSwap& w = plan->disks[0];
  EXPECT_FALSE(w.on_standin);
  EXPECT_TRUE(w.standin_added);
  ASSERT_TRUE(w.job);
  EXPECT_TRUE(w.job->ready);
  EXPECT_TRUE(plan->stray_nodes.empty()) << "an unused stand-in is not a stray";
}

TEST(BlockGraph, AfterTheSwapTheOldNodesAreWhatIsLeft) {
  BlockState s = state(
      R"([{"io-status":"failed","qdev":"/machine/peripheral/virtio-disk0/virtio-backend",
          "inserted":{"node-name":"vmha-libvirt-1-format","drv":"raw","ro":false,
          "cache":{"direct":false},"image":{"virtual-size":16777216}}}])",
      R"([{"node-name":"libvirt-1-format","drv":"raw"},{"node-name":"libvirt-1-storage","drv":"nbd"},
         {"node-name":"vmha-libvirt-1-format","drv":"raw"}])",
      R"({"nodes":[{"name":"libvirt-1-format","type":"block-driver","id":2},
         {"name":"libvirt-1-storage","type":"block-driver","id":3},
         {"name":"vmha-libvirt-1-format","type":"block-driver","id":4},{"name":"dev","type":"block-backend","id":1}],
         "edges":[{"parent":2,"child":3},{"parent":1,"child":4}]})");
  auto plan = plan_swaps(s);
  ASSERT_TRUE(plan.ok()) << plan.error().message
                         << " (a stand-in's own cache mode does not matter)";
  const DiskSwap& w = plan->disks[0];
  EXPECT_TRUE(w.on_standin);
  EXPECT_EQ(w.old_root, "libvirt-1-format");
  EXPECT_EQ(w.old_nodes, (std::vector<std::string>{"libvirt-1-format", "libvirt-1-storage"}));
  EXPECT_TRUE(plan->stray_nodes.empty());
}

TEST(BlockGraph, AStorageNodeLeftByAPartialDeletionIsAStray) {
  BlockState s = state(
      R"([{"qdev":"/machine/peripheral/virtio-disk0/virtio-backend",
          "inserted":{"node-name":"vmha-libvirt-1-format","drv":"raw","image":{"virtual-size":512}}}])",
      R"([{"node-name":"libvirt-1-storage","drv":"nbd"},{"node-name":"vmha-libvirt-1-format","drv":"raw"}])",
      R"({"nodes":[{"name":"libvirt-1-storage","type":"block-driver","id":3},
         {"name":"vmha-libvirt-1-format","type":"block-driver","id":4},{"name":"dev","type":"block-backend","id":1}],
         "edges":[{"parent":1,"child":4}]})");
  auto plan = plan_swaps(s);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->disks[0].on_standin);
  EXPECT_TRUE(plan->disks[0].old_nodes.empty());
  EXPECT_EQ(plan->stray_nodes, std::vector<std::string>{"libvirt-1-storage"});
  EXPECT_EQ(plan->stray_nbd_nodes, std::vector<std::string>{"libvirt-1-storage"});
}

TEST(BlockGraph, RefusesQcow2AnywhereUnderADisk) {
  auto plan = plan_swaps(state(
      R"([{"qdev":"/machine/peripheral/virtio-disk1/virtio-backend",
          "inserted":{"node-name":"libvirt-2-format","drv":"qcow2","image":{"virtual-size":512}}}])",
      R"([{"node-name":"libvirt-2-format","drv":"qcow2"},{"node-name":"libvirt-2-storage","drv":"file"}])",
      R"({"nodes":[{"name":"libvirt-2-format","type":"block-driver","id":2},
         {"name":"libvirt-2-storage","type":"block-driver","id":3}],"edges":[{"parent":2,"child":3}]})"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, Errc::kConflict);
  EXPECT_NE(plan.error().message.find(
                "disk virtio-disk1 is qcow2 (node libvirt-2-format): only raw disks"),
            std::string::npos)
      << plan.error().message;
  // A filter over qcow2 is refused for the qcow2 below it.
  plan = plan_swaps(state(
      R"([{"qdev":"/machine/peripheral/virtio-disk1/virtio-backend",
          "inserted":{"node-name":"cor","drv":"copy-on-read","image":{"virtual-size":512}}}])",
      R"([{"node-name":"cor","drv":"copy-on-read"},{"node-name":"q","drv":"qcow2"}])",
      R"({"nodes":[{"name":"cor","type":"block-driver","id":2},{"name":"q","type":"block-driver","id":3}],
         "edges":[{"parent":2,"child":3}]})"));
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().message.find("copy-on-read"), std::string::npos) << plan.error().message;
}

TEST(BlockGraph, RefusesAHostPageCacheAMissingSizeAndALongName) {
  auto refused = [](const char* inserted, const char* expect) {
    std::string block =
        std::string(R"([{"qdev":"/machine/peripheral/virtio-disk0/virtio-backend","inserted":)") +
        inserted + "}]";
    auto plan = plan_swaps(state(block.c_str(), R"([{"node-name":"n","drv":"raw"},
        {"node-name":"libvirt-1234567890123-format","drv":"raw"}])",
                                 R"({"nodes":[],"edges":[]})"));
    ASSERT_FALSE(plan.ok()) << inserted;
    EXPECT_NE(plan.error().message.find(expect), std::string::npos) << plan.error().message;
  };
  refused(R"({"node-name":"n","drv":"raw","cache":{"direct":false},"image":{"virtual-size":512}})",
          "host page cache");
  refused(R"({"node-name":"n","drv":"raw","image":{}})", "no size");
  refused(
      R"({"node-name":"libvirt-1234567890123-format","drv":"raw","image":{"virtual-size":512}})",
      "no stand-in name");
}

TEST(BlockGraph, LeavesReadOnlyAndEmptyDrivesAlone) {
  auto plan = plan_swaps(state(
      R"([{"qdev":"/machine/peripheral/ide0-0-0","removable":true},
          {"qdev":"/machine/peripheral/virtio-disk2/virtio-backend",
           "inserted":{"node-name":"iso","drv":"qcow2","ro":true,"image":{"virtual-size":512}}}])",
      R"([{"node-name":"iso","drv":"qcow2"}])", R"({"nodes":[],"edges":[]})"));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->disks.empty());
}

TEST(BlockGraph, RefusesRepliesOfTheWrongShape) {
  EXPECT_FALSE(parse_block_state(Json::object(), Json::array(), js(kGraph), Json::array()).ok());
  EXPECT_FALSE(parse_block_state(Json::array(), Json::array(), Json::object(), Json::array()).ok());
  EXPECT_FALSE(parse_block_state(Json::array(), Json::array(),
                                 js(R"({"nodes":[{"name":"x"}],"edges":[]})"), Json::array())
                   .ok());
}

}  // namespace
}  // namespace vmha::virt
