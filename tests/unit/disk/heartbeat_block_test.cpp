#include "libvmha/disk/heartbeat_block.h"

#include <gtest/gtest.h>

#include <vector>

#include "libvmha/disk/layout.h"

namespace vmha::disk {
namespace {

TEST(HeartbeatBlock, AreaLiesPastEverythingSbdWrites) {
  // sbd: header + 255 slots of two sectors; 4 KiB sectors are the largest in use.
  uint64_t sbd_end = (1 + 2 * 255) * 4096ull;
  EXPECT_GE(kHeartbeatAreaOffset, sbd_end);
  EXPECT_EQ(heartbeat_block_size(512), 4096u);
  EXPECT_EQ(heartbeat_block_size(4096), 4096u);
  EXPECT_EQ(heartbeat_block_size(8192), 8192u);
  EXPECT_EQ(heartbeat_block_offset(0, 4096), 4u << 20);
  EXPECT_EQ(heartbeat_block_offset(2, 4096), (4u << 20) + 8192);
  EXPECT_EQ(heartbeat_area_end(4096), (4u << 20) + 255 * 4096u);
}

TEST(HeartbeatBlock, EncodesBigEndianFieldsAtFixedOffsets) {
  std::vector<uint8_t> b(4096, 0xee);
  ASSERT_TRUE(encode_heartbeat({"node1", 0x0102030405060708ull, 1'700'000'123}, b).ok());
  EXPECT_EQ(std::string(b.begin(), b.begin() + 8), "VMHA_HB_");
  EXPECT_EQ(b[8], kHeartbeatVersion);
  EXPECT_EQ(std::string(b.begin() + 16, b.begin() + 21), "node1");
  EXPECT_EQ(b[21], 0);
  EXPECT_EQ(b[80], 0x01);
  EXPECT_EQ(b[87], 0x08);
  EXPECT_EQ(get_be32(b, 92), 1'700'000'123u);
  for (size_t i = 96; i < b.size(); ++i) ASSERT_EQ(b[i], 0) << "byte " << i << " not zeroed";
  auto r = decode_heartbeat(b);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->node, "node1");
  EXPECT_EQ(r->sequence, 0x0102030405060708ull);
  EXPECT_EQ(r->wall_seconds, 1'700'000'123);
}

TEST(HeartbeatBlock, RefusesBadNamesAndReadsNoRecordWithoutMagic) {
  std::vector<uint8_t> b(4096);
  EXPECT_EQ(encode_heartbeat({"", 1, 1}, b).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(encode_heartbeat({std::string(64, 'n'), 1, 1}, b).error().code, Errc::kInvalidArgument);
  EXPECT_TRUE(encode_heartbeat({std::string(63, 'n'), 1, 1}, b).ok());
  EXPECT_EQ(decode_heartbeat(b)->node, std::string(63, 'n'));
  std::vector<uint8_t> zero(4096);
  EXPECT_FALSE(decode_heartbeat(zero).has_value());
  b[0] = 'X';
  EXPECT_FALSE(decode_heartbeat(b).has_value());
  EXPECT_FALSE(decode_heartbeat(std::span<const uint8_t>(zero).first(40)).has_value());
}

TEST(HeartbeatBlock, HomeIndexIsFnv1aOfTheName) {
  // Pinned: every host and every version must agree.
  EXPECT_EQ(heartbeat_home_index("node1"), 249u);
  EXPECT_EQ(heartbeat_home_index("node2"), 186u);
  EXPECT_EQ(heartbeat_home_index("host-2"), 34u);
  EXPECT_LT(heartbeat_home_index(std::string(63, 'z')), kHeartbeatBlocks);
}

class ChooseBlock : public ::testing::Test {
 protected:
  std::vector<uint8_t> area = std::vector<uint8_t>(kHeartbeatBlocks * 4096, 0);
  void put(unsigned i, const std::string& node) {
    ASSERT_TRUE(
        encode_heartbeat({node, 1, 1}, std::span<uint8_t>(area).subspan(i * 4096, 4096)).ok());
  }
};

TEST_F(ChooseBlock, HomeWhenFreeThenProbesPastOthersAndWraps) {
  EXPECT_EQ(choose_heartbeat_block(area, 4096, "node1"), 249u);
  put(249, "other");
  put(250, "other2");
  EXPECT_EQ(choose_heartbeat_block(area, 4096, "node1"), 251u);
  for (unsigned i = 249; i < 255; ++i) put(i, "x" + std::to_string(i));
  EXPECT_EQ(choose_heartbeat_block(area, 4096, "node1"), 0u);
}

TEST_F(ChooseBlock, OwnRecordAnywhereWinsOverAFreeHome) {
  put(7, "node1");
  EXPECT_EQ(choose_heartbeat_block(area, 4096, "node1"), 7u);
}

TEST_F(ChooseBlock, NoneWhenEveryBlockIsTaken) {
  for (unsigned i = 0; i < kHeartbeatBlocks; ++i) put(i, "n" + std::to_string(i));
  EXPECT_FALSE(choose_heartbeat_block(area, 4096, "node1").has_value());
  EXPECT_EQ(choose_heartbeat_block(area, 4096, "n9"), 9u);
}

}  // namespace
}  // namespace vmha::disk
