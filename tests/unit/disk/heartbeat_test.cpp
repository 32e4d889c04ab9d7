#include "libvmha/disk/heartbeat.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../temp_dir.h"
#include "libvmha/disk/heartbeat_block.h"

namespace vmha::disk {
namespace {

class HeartbeatTest : public ::testing::Test {
 protected:
  std::string image(const std::string& name, uint64_t size = heartbeat_area_end(4096)) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary).close();
    std::filesystem::resize_file(path, size);
    return path;
  }

  std::vector<uint8_t> block(const std::string& path, unsigned index) {
    std::ifstream f(path, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(heartbeat_block_offset(index, 4096)));
    std::vector<uint8_t> b(4096);
    f.read(reinterpret_cast<char*>(b.data()), 4096);
    return b;
  }

  void overwrite(const std::string& path, unsigned index, const HeartbeatRecord& r) {
    std::vector<uint8_t> b(4096);
    ASSERT_TRUE(encode_heartbeat(r, b).ok());
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(heartbeat_block_offset(index, 4096)));
    f.write(reinterpret_cast<const char*>(b.data()), 4096);
  }

  StorageHeartbeat make(std::vector<std::string> paths, const std::string& node) {
    auto hb = StorageHeartbeat::create({std::move(paths), node, Millis(5000)}, clock_);
    EXPECT_TRUE(hb.ok()) << hb.error().message;
    return std::move(*hb);
  }

  vmha::testing::TempDir tmp_{"vmha-hb"};
  std::filesystem::path dir_ = tmp_.path();
  ManualClock clock_;
};

TEST_F(HeartbeatTest, WritesItsHomeBlockAndCountsUp) {
  std::string path = image("hb");
  StorageHeartbeat hb = make({path}, "node1");
  clock_.set_wall_base(1'800'000'000);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    BeatResult r = hb.beat(0);
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.path, path);
    EXPECT_EQ(r.block, heartbeat_home_index("node1"));
    EXPECT_EQ(r.sequence, seq);
  }
  auto rec = decode_heartbeat(block(path, heartbeat_home_index("node1")));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->node, "node1");
  EXPECT_EQ(rec->sequence, 3u);
  EXPECT_EQ(rec->wall_seconds, 1'800'000'000);
}

TEST_F(HeartbeatTest, ARestartContinuesTheSequenceInTheSameBlock) {
  std::string path = image("hb");
  {
    StorageHeartbeat first = make({path}, "node1");
    ASSERT_TRUE(first.beat(0).ok());
    ASSERT_TRUE(first.beat(0).ok());
  }
  StorageHeartbeat again = make({path}, "node1");
  BeatResult r = again.beat(0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.sequence, 3u);
}

TEST_F(HeartbeatTest, NodesSharingAPathNeverShareABlock) {
  std::string path = image("hb");
  // Another node already sits in node1's home block.
  overwrite(path, heartbeat_home_index("node1"), {"squatter", 9, 9});
  StorageHeartbeat a = make({path}, "node1");
  StorageHeartbeat b = make({path}, "node2");
  BeatResult ra = a.beat(0), rb = b.beat(0);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_NE(ra.block, heartbeat_home_index("node1"));
  EXPECT_NE(ra.block, rb.block);
  EXPECT_EQ(decode_heartbeat(block(path, heartbeat_home_index("node1")))->node, "squatter");
}

TEST_F(HeartbeatTest, MovesWhenAnotherNodeTakesItsBlock) {
  std::string path = image("hb");
  StorageHeartbeat hb = make({path}, "node1");
  BeatResult first = hb.beat(0);
  ASSERT_TRUE(first.ok());
  overwrite(path, first.block, {"intruder", 1, 1});
  BeatResult second = hb.beat(0);
  ASSERT_TRUE(second.ok()) << second.error->message;
  EXPECT_NE(second.block, first.block);
  EXPECT_EQ(decode_heartbeat(block(path, first.block))->node, "intruder");
  EXPECT_EQ(decode_heartbeat(block(path, second.block))->node, "node1");
}

TEST_F(HeartbeatTest, AMissingPathFailsThatPathOnlyAndRecovers) {
  std::string good = image("good");
  std::string later = (dir_ / "later").string();
  StorageHeartbeat hb = make({good, later}, "node1");
  std::vector<BeatResult> rs = hb.beat_all();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_TRUE(rs[0].ok());
  ASSERT_FALSE(rs[1].ok());
  EXPECT_NE(rs[1].error->message.find(later), std::string::npos) << rs[1].error->message;
  image("later");
  EXPECT_TRUE(hb.beat(1).ok());
}

TEST_F(HeartbeatTest, ATooSmallPathSaysHowLargeItMustBe) {
  std::string path = image("small", 1 << 20);
  StorageHeartbeat hb = make({path}, "node1");
  BeatResult r = hb.beat(0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->message.find(std::to_string(heartbeat_area_end(4096))), std::string::npos)
      << r.error->message;
}

TEST_F(HeartbeatTest, RefusesABadConfiguration) {
  EXPECT_EQ(StorageHeartbeat::create({{}, "n", Millis(100)}).error().code, Errc::kNotConfigured);
  EXPECT_EQ(StorageHeartbeat::create({{"/x"}, "", Millis(100)}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(StorageHeartbeat::create({{"/x"}, "n", Millis(0)}).error().code,
            Errc::kInvalidArgument);
}

}  // namespace
}  // namespace vmha::disk
