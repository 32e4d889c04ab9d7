#include "libvmha/disk/disk_set.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "libvmha/base/bounded.h"
#include "libvmha/disk/power_device.h"

namespace vmha::disk {
namespace {

// Image files laid out as `sbd create` lays out a 512-byte-sector device.
class DiskSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vmha-disk-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string image(const std::string& name, uint32_t msgwait = 10) {
    std::string path = (dir_ / name).string();
    std::vector<uint8_t> bytes(512 * 512, 0);
    Header h;
    h.timeout_msgwait = msgwait;
    encode_header(h, std::span<uint8_t>(bytes).first(512));
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(DiskSetTest, SendAllocatesWritesVerifiesAndWaitsMsgwait) {
  auto set = DiskSet::open({image("a"), image("b", 12)}, Millis(2000));
  ASSERT_TRUE(set.ok()) << set.error().message;
  ManualClock clock;
  ASSERT_TRUE(set->send("node1", Command::kReset, "me", clock).ok());
  EXPECT_EQ(clock.now(), Millis(12'000));
  EXPECT_EQ(set->read_command("node1").value(), static_cast<uint8_t>(Command::kReset));
  ASSERT_TRUE(set->send("node2", Command::kClear, "me", clock).ok());
  auto list = set->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].node, "node2");
  auto again = SbdDisk::open((dir_ / "a").string(), Millis(2000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->find("node2").value(), 1u);
  EXPECT_EQ(again->read_mailbox(0).value().from, "me");
}

TEST_F(DiskSetTest, MajorityOfThreeSurvivesOneMissingDevice) {
  auto set = DiskSet::open({image("a"), image("b"), (dir_ / "gone").string()}, Millis(2000));
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->majority(), 2u);
  ManualClock clock;
  EXPECT_TRUE(set->send("n", Command::kOff, "me", clock).ok());
  auto none =
      DiskSet::open({image("c"), (dir_ / "x").string(), (dir_ / "y").string()}, Millis(2000));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::kUnreachable);
  EXPECT_NE(none.error().message.find("only 1 of 3"), std::string::npos);
}

TEST_F(DiskSetTest, StatusFollowsFenceSbdAndUnknownNodesAreNotFound) {
  auto set = DiskSet::open({image("a")}, Millis(2000));
  ASSERT_TRUE(set.ok());
  ManualClock clock;
  DiskPowerDevice dev(std::move(*set), "n1", "me", clock);
  EXPECT_EQ(dev.status().error().code, Errc::kNotFound);
  ASSERT_TRUE(dev.power_off().ok());
  EXPECT_EQ(dev.status().value(), fence::PowerState::kOff);
  ASSERT_TRUE(dev.power_on().ok());
  EXPECT_EQ(dev.status().value(), fence::PowerState::kOn);
  EXPECT_EQ(state_of(static_cast<uint8_t>(Command::kReset)), fence::PowerState::kOff);
  EXPECT_FALSE(state_of(static_cast<uint8_t>(Command::kTest)));
}

TEST_F(DiskSetTest, CorruptHeaderIsRefusedWithTheDevicesName) {
  std::string path = image("bad");
  std::ofstream(path, std::ios::binary | std::ios::in).write("GARBAGE!", 8);
  auto set = DiskSet::open({path}, Millis(2000));
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, Errc::kInternal);
  EXPECT_NE(set.error().message.find(path), std::string::npos);
}

TEST(DiskBounded, AHungCallIsAbandonedAtTheTimeout) {
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> gate = release->get_future().share();
  auto r = run_bounded<int>(
      [gate]() -> Result<int> {
        gate.wait();
        return 1;
      },
      Millis(50), "test call");
  release->set_value();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTimeout);
  auto quick = run_bounded<int>([]() -> Result<int> { return 7; }, Millis(5000), "quick");
  EXPECT_EQ(quick.value(), 7);
}

}  // namespace
}  // namespace vmha::disk
