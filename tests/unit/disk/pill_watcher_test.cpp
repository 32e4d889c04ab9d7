#include "libvmha/disk/pill_watcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../temp_dir.h"
#include "libvmha/disk/disk_set.h"

namespace vmha::disk {
namespace {

using policy::Pill;

TEST(PillOf, MapsEverySbdCommand) {
  auto of = [](Command c) { return pill_of(static_cast<uint8_t>(c)); };
  EXPECT_EQ(of(Command::kClear), Pill::kClear);
  EXPECT_EQ(of(Command::kTest), Pill::kTest);
  EXPECT_EQ(of(Command::kReset), Pill::kReset);
  EXPECT_EQ(of(Command::kOff), Pill::kOff);
  EXPECT_EQ(of(Command::kCrashdump), Pill::kReset);
  EXPECT_EQ(of(Command::kExit), Pill::kOther);
  EXPECT_EQ(pill_of(6), Pill::kOther);
  EXPECT_EQ(pill_of(255), Pill::kOther);
}

// sbd-formatted image files (512-byte sectors, 255 slots), messages sent as
// a fencer sends them (DiskSet, msgwait passed on a manual clock).
class PillWatcherTest : public ::testing::Test {
 protected:
  std::string sbd_image(const std::string& name) {
    std::string path = (dir_ / name).string();
    std::vector<uint8_t> bytes(512 * 512, 0);
    encode_header(Header{}, std::span<uint8_t>(bytes).first(512));
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  void send(const std::vector<std::string>& paths, Command c, const std::string& node = "node1") {
    auto set = DiskSet::open(paths, Millis(2000));
    ASSERT_TRUE(set.ok()) << set.error().message;
    ManualClock clock;
    ASSERT_TRUE(set->send(node, c, "fencer", clock).ok());
  }

  uint8_t on_disk(const std::string& path, const std::string& node = "node1") {
    auto set = DiskSet::open({path}, Millis(2000));
    EXPECT_TRUE(set.ok());
    auto c = set->read_command(node);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : 0xff;
  }

  PillWatcher watcher(std::vector<std::string> paths) {
    auto w = PillWatcher::create(std::move(paths), "node1", Millis(2000));
    EXPECT_TRUE(w.ok()) << w.error().message;
    return std::move(*w);
  }

  vmha::testing::TempDir tmp_{"vmha-pill"};
  std::filesystem::path dir_ = tmp_.path();
};

TEST_F(PillWatcherTest, StartAllocatesTheSlotAndClearsAStalePill) {
  std::string a = sbd_image("a");
  send({a}, Command::kOff, "other");
  send({a}, Command::kReset);
  PillWatcher w = watcher({a});
  EXPECT_FALSE(w.header().has_value());
  PillReading r = w.read();
  EXPECT_EQ(r.pill, Pill::kClear);
  EXPECT_TRUE(r.disk_ok);
  EXPECT_EQ(r.readable, 1u);
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].slot, 1u);
  EXPECT_EQ(on_disk(a), 0);
  EXPECT_EQ(on_disk(a, "other"), static_cast<uint8_t>(Command::kOff));
  ASSERT_TRUE(w.header().has_value());
  EXPECT_EQ(w.header()->timeout_loop, 1u);

  std::string fresh = sbd_image("fresh");
  PillWatcher w2 = watcher({fresh});
  EXPECT_EQ(w2.read().devices[0].slot, 0u);
  EXPECT_EQ(on_disk(fresh), 0);
}

TEST_F(PillWatcherTest, APillAfterStartIsReportedAndLeftInPlace) {
  std::string a = sbd_image("a");
  PillWatcher w = watcher({a});
  ASSERT_EQ(w.read().pill, Pill::kClear);
  send({a}, Command::kReset);
  for (int i = 0; i < 2; ++i) {
    PillReading r = w.read();
    EXPECT_EQ(r.pill, Pill::kReset);
    EXPECT_EQ(r.sender, "fencer");
    EXPECT_EQ(r.device, a);
    EXPECT_EQ(command_name(r.command), "reset");
  }
  EXPECT_EQ(on_disk(a), static_cast<uint8_t>(Command::kReset));
  policy::NodeView v;
  v.pill = w.read().pill;
  EXPECT_EQ(policy::decide_self_fence(v), policy::FenceDecision::kReset);
}

TEST_F(PillWatcherTest, TestAndUnknownMessagesAreAcknowledgedByClearing) {
  std::string a = sbd_image("a");
  PillWatcher w = watcher({a});
  (void)w.read();
  send({a}, Command::kTest);
  PillReading r = w.read();
  EXPECT_EQ(r.pill, Pill::kTest);
  EXPECT_EQ(on_disk(a), 0);
  EXPECT_EQ(w.read().pill, Pill::kClear);
  policy::NodeView v;
  v.pill = r.pill;
  EXPECT_EQ(policy::decide_self_fence(v), policy::FenceDecision::kNone);

  send({a}, static_cast<Command>(9));
  r = w.read();
  EXPECT_EQ(r.pill, Pill::kOther);
  EXPECT_EQ(command_name(r.command), "unknown(9)");
  EXPECT_EQ(on_disk(a), 0);
}

TEST_F(PillWatcherTest, MajorityOfThreeAndAPillOnAnyDevice) {
  std::string a = sbd_image("a"), b = sbd_image("b"), c = sbd_image("c");
  PillWatcher w = watcher({a, b, c});
  PillReading r = w.read();
  EXPECT_TRUE(r.disk_ok);
  EXPECT_EQ(r.readable, 3u);
  send({c}, Command::kOff);
  send({b}, Command::kReset);
  r = w.read();
  EXPECT_EQ(r.pill, Pill::kOff);
  EXPECT_EQ(r.device, c);

  std::filesystem::remove(a);
  std::filesystem::remove(b);
  // Devices already open keep answering through their descriptors: a
  // watcher that never opened them sees the loss.
  PillWatcher late = watcher({a, b, c});
  r = late.read();
  EXPECT_FALSE(r.disk_ok);
  EXPECT_EQ(r.readable, 1u);
  EXPECT_EQ(r.configured, 3u);
  ASSERT_TRUE(r.devices[0].error.has_value());
  EXPECT_NE(r.devices[0].error->message.find(a), std::string::npos);
  EXPECT_EQ(r.pill, Pill::kClear);

  sbd_image("a");
  r = late.read();
  EXPECT_TRUE(r.disk_ok);
  EXPECT_EQ(r.readable, 2u);
}

TEST_F(PillWatcherTest, NoDeviceAnsweringIsNoPillAndDiskLost) {
  PillWatcher w = watcher({(dir_ / "none").string()});
  PillReading r = w.read();
  EXPECT_EQ(r.pill, Pill::kNone);
  EXPECT_FALSE(r.disk_ok);
  policy::NodeView v;
  v.pill = r.pill;
  v.disk_reachable = r.disk_ok;
  v.quorate = false;
  v.disk_lost_for = v.quorum_lost_for = Millis(6000);
  EXPECT_EQ(policy::decide_self_fence(v), policy::FenceDecision::kReset);
}

TEST_F(PillWatcherTest, RefusesABadConfiguration) {
  EXPECT_EQ(PillWatcher::create({}, "n", Millis(1)).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(PillWatcher::create({"a", "b", "c", "d"}, "n", Millis(1)).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(PillWatcher::create({"a"}, std::string(64, 'n'), Millis(1)).error().code,
            Errc::kInvalidArgument);
}

}  // namespace
}  // namespace vmha::disk
