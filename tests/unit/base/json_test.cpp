#include "libvmha/base/json.h"

#include <gtest/gtest.h>

namespace vmha {
namespace {

TEST(Json, ParsesWhatQmpAnswers) {
  auto j = parse_json(
      R"({"return":[{"io-status":"failed","inserted":{"node-name":"libvirt-1-format","ro":false,)"
      R"("image":{"virtual-size":9223372036854775807}}}],"id":"libvirt-412"})");
  ASSERT_TRUE(j.ok()) << j.error().message;
  const Json* ret = j->find("return");
  ASSERT_NE(ret, nullptr);
  ASSERT_EQ(ret->items().size(), 1u);
  const Json& dev = ret->items()[0];
  EXPECT_EQ(dev.str("io-status"), "failed");
  const Json* ins = dev.find("inserted");
  ASSERT_NE(ins, nullptr);
  EXPECT_EQ(ins->str("node-name"), "libvirt-1-format");
  EXPECT_FALSE(ins->flag("ro", true));
  EXPECT_EQ(ins->find("image")->find("virtual-size")->as_int(), INT64_MAX);
  EXPECT_EQ(j->str("id"), "libvirt-412");
  EXPECT_EQ(j->str("missing"), "");
  EXPECT_EQ(j->find("missing"), nullptr);
}

TEST(Json, NumbersKeepTheirTextAndOnlyWholeOnesAreInts) {
  auto j = parse_json("[0, -12, 1.5, 2e3, 99999999999999999999]");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->items()[0].as_int(), 0);
  EXPECT_EQ(j->items()[1].as_int(), -12);
  EXPECT_FALSE(j->items()[2].as_int());
  EXPECT_FALSE(j->items()[3].as_int());
  EXPECT_FALSE(j->items()[4].as_int());  // overflow is not a value
  EXPECT_EQ(j->dump(), "[0,-12,1.5,2e3,99999999999999999999]");
}

TEST(Json, StringsUnescapeAndEscapeBack) {
  auto j = parse_json(R"(["a\"b\\c\/d\n\t\r\b\f", "\u00e9\u20ac\ud83d\ude00"])");
  ASSERT_TRUE(j.ok()) << j.error().message;
  EXPECT_EQ(j->items()[0].as_string(), "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(j->items()[1].as_string(), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  auto back = parse_json(j->dump());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->items()[0].as_string(), j->items()[0].as_string());
}

TEST(Json, BuildsCommands) {
  Json cmd = Json::object({{"execute", "blockdev-del"},
                           {"arguments", Json::object({{"node-name", "a\"b"},
                                                       {"size", int64_t{1} << 40},
                                                       {"ro", false},
                                                       {"none", nullptr}})}});
  EXPECT_EQ(
      cmd.dump(),
      R"({"execute":"blockdev-del","arguments":{"node-name":"a\"b","size":1099511627776,"ro":false,"none":null}})");
  Json list;
  list.push(Json::object().add("k", 1)).push("s");
  EXPECT_EQ(list.dump(), R"([{"k":1},"s"])");
}

TEST(Json, RefusesMalformedInput) {
  for (const char* bad :
       {"",    "{",     "[1,]",      "{\"a\":1,}",  "{'a':1}",     "01",       "1.",
        "-",   "1e",    "\"\\x\"",   "\"\\ud800\"", "\"\\udc00\"", "\"a\nb\"", "tru",
        "nul", "[1] x", "{\"a\" 1}", "\"open",      "[\"\\u12\"]", "+1"}) {
    auto j = parse_json(bad);
    EXPECT_FALSE(j.ok()) << bad;
    if (!j.ok()) {
      EXPECT_EQ(j.error().code, Errc::kInvalidArgument);
      EXPECT_NE(j.error().message.find("malformed JSON at byte"), std::string::npos);
    }
  }
}

TEST(Json, BoundsNesting) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(parse_json(deep).ok());
  EXPECT_TRUE(parse_json(deep, 100).ok());
  std::string ok(64, '[');
  ok += std::string(64, ']');
  EXPECT_TRUE(parse_json(ok).ok());
}

TEST(Json, AccessorsOnTheWrongTypeAreEmpty) {
  Json n(5);
  EXPECT_EQ(n.find("x"), nullptr);
  EXPECT_EQ(n.as_string(), "");
  EXPECT_FALSE(n.as_bool());
  EXPECT_TRUE(n.items().empty());
  EXPECT_TRUE(n.members().empty());
  EXPECT_EQ(Json().dump(), "null");
  EXPECT_EQ(Json::object().dump(), "{}");
}

}  // namespace
}  // namespace vmha
