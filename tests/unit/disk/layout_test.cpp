#include "libvmha/disk/layout.h"

#include <gtest/gtest.h>

#include <vector>

namespace vmha::disk {
namespace {

// Sector 0 as `sbd -d /dev/loop0 -1 7 -4 14 create` (sbd 1.5.2) wrote it.
const std::vector<uint8_t> kSbdHeader = {0x53, 0x42, 0x44, 0x5f, 0x53, 0x42, 0x44, 0x5f, 0x02, 0xff,
                                         0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x07,
                                         0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                         0x00, 0x0e, 0x01, 0x7a, 0x6c, 0x06, 0x86, 0x61, 0x3d, 0x44,
                                         0x7f, 0x97, 0x9b, 0x3a, 0x32, 0x5e, 0xea, 0x86, 0x9d};

std::vector<uint8_t> sector(const std::vector<uint8_t>& head) {
  std::vector<uint8_t> s(512, 0);
  std::copy(head.begin(), head.end(), s.begin());
  return s;
}

TEST(DiskLayout, DecodesEveryFieldSbdWrote) {
  auto h = decode_header(sector(kSbdHeader), "/dev/x");
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->version, 2);
  EXPECT_EQ(h->slots, 255);
  EXPECT_EQ(h->sector_size, 512u);
  EXPECT_EQ(h->timeout_watchdog, 7u);
  EXPECT_EQ(h->timeout_allocate, 2u);
  EXPECT_EQ(h->timeout_loop, 1u);
  EXPECT_EQ(h->timeout_msgwait, 14u);
  EXPECT_EQ(h->minor_version, 1);
  EXPECT_EQ(h->uuid[0], 0x7a);
  EXPECT_EQ(h->uuid[15], 0x9d);
}

TEST(DiskLayout, DescribesEveryFieldInSbdDumpsWords) {
  EXPECT_EQ(describe_header(decode_header(sector(kSbdHeader), "/dev/x").value()),
            "sbd header version 2.1, UUID 7a6c0686-613d-447f-979b-3a325eea869d, 255 slots, "
            "sector size 512, timeouts watchdog 7, allocate 2, loop 1, msgwait 14");
}

TEST(DiskLayout, EncodesByteForByteWhatSbdWrites) {
  Header h = decode_header(sector(kSbdHeader), "/dev/x").value();
  std::vector<uint8_t> out(512, 0xee);
  encode_header(h, out);
  EXPECT_EQ(out, sector(kSbdHeader));
}

TEST(DiskLayout, IntegersAreBigEndian) {
  std::vector<uint8_t> b(4);
  put_be32(b, 0, 0x01020304);
  EXPECT_EQ(b, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(get_be32(b, 0), 0x01020304u);
}

TEST(DiskLayout, LittleEndianHeaderIsRefusedAsForeign) {
  std::vector<uint8_t> le = kSbdHeader;
  for (size_t at = 12; at < 32; at += 4) std::reverse(le.begin() + at, le.begin() + at + 4);
  auto h = decode_header(sector(le), "/dev/x");
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("little-endian"), std::string::npos);
}

TEST(DiskLayout, ForeignOrCorruptHeadersAreRefusedWithTheFix) {
  auto zero = decode_header(std::vector<uint8_t>(512, 0), "/dev/sdz");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("sbd -d /dev/sdz create"), std::string::npos);
  std::vector<uint8_t> v3 = kSbdHeader;
  v3[8] = 3;
  EXPECT_NE(decode_header(sector(v3), "d").error().message.find("version 3"), std::string::npos);
  std::vector<uint8_t> odd = kSbdHeader;
  odd[14] = 0x03;
  EXPECT_FALSE(decode_header(sector(odd), "d").ok());
}

TEST(DiskLayout, SlotNameAndMailboxOffsets) {
  EXPECT_EQ(name_sector(0), 1u);
  EXPECT_EQ(mailbox_sector(0), 2u);
  EXPECT_EQ(name_sector(1), 3u);
  EXPECT_EQ(mailbox_sector(254), 510u);
  // Slot 1 as sbd left it after `allocate nodeB` and `-n me message nodeB
  // reset`.
  std::vector<uint8_t> name = sector({0x01, 'n', 'o', 'd', 'e', 'B'});
  std::vector<uint8_t> box = sector({0x02, 'm', 'e'});
  SlotName n = decode_slot_name(name);
  EXPECT_TRUE(n.in_use);
  EXPECT_EQ(n.name, "nodeB");
  Mailbox m = decode_mailbox(box);
  EXPECT_EQ(m.command, static_cast<uint8_t>(Command::kReset));
  EXPECT_EQ(m.from, "me");
  std::vector<uint8_t> again(512, 0xff);
  ASSERT_TRUE(encode_slot_name(n, again).ok());
  EXPECT_EQ(again, name);
  ASSERT_TRUE(encode_mailbox(m, again).ok());
  EXPECT_EQ(again, box);
}

TEST(DiskLayout, NamesAreAtMost63Characters) {
  std::vector<uint8_t> s(512);
  EXPECT_TRUE(encode_slot_name({true, std::string(63, 'a')}, s).ok());
  EXPECT_EQ(s[64], 0);
  EXPECT_FALSE(encode_slot_name({true, std::string(64, 'a')}, s).ok());
  std::vector<uint8_t> unterminated(512, 'x');
  EXPECT_EQ(decode_mailbox(unterminated).from.size(), 64u);
}

TEST(DiskLayout, CommandWords) {
  EXPECT_EQ(parse_command("reset"), Command::kReset);
  EXPECT_EQ(parse_command("crashdump"), Command::kCrashdump);
  EXPECT_FALSE(parse_command("poison"));
  EXPECT_EQ(command_name(3), "off");
  EXPECT_EQ(command_name(0), "clear");
  EXPECT_EQ(command_name(9), "unknown(9)");
}

}  // namespace
}  // namespace vmha::disk
