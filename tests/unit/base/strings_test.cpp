#include "libvmha/base/strings.h"

#include <gtest/gtest.h>

namespace vmha {
namespace {

TEST(Strings, ParseIntRejectsJunk) {
  EXPECT_EQ(parse_int("42"), 42);
  EXPECT_EQ(parse_int(" 7 "), 7);
  EXPECT_EQ(parse_int("-3"), -3);
  EXPECT_FALSE(parse_int("4x"));
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("99999999999999999999999"));
}

TEST(Strings, ParseBoolSpellings) {
  for (const char* t : {"1", "yes", "TRUE", "on", "y"}) EXPECT_EQ(parse_bool(t), true) << t;
  for (const char* f : {"0", "no", "False", "off", "n"}) EXPECT_EQ(parse_bool(f), false) << f;
  EXPECT_FALSE(parse_bool("maybe"));
}

TEST(Strings, ParseDurationUnits) {
  EXPECT_EQ(parse_duration_ms("90"), 90'000);
  EXPECT_EQ(parse_duration_ms("90s"), 90'000);
  EXPECT_EQ(parse_duration_ms("1500ms"), 1'500);
  EXPECT_EQ(parse_duration_ms("2m"), 120'000);
  EXPECT_EQ(parse_duration_ms("1h"), 3'600'000);
  EXPECT_FALSE(parse_duration_ms("s"));
  EXPECT_FALSE(parse_duration_ms("10 parsecs"));
}

TEST(Strings, SplitKeepsEmptyFields) {
  auto v = split("a,,b", ',');
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1], "");
}

}  // namespace
}  // namespace vmha
