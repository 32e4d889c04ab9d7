#include "libvmha/virt/qmp.h"

#include <gtest/gtest.h>

namespace vmha::virt {
namespace {

TEST(Qmp, SendsTheCommandAndReturnsItsValue) {
  std::string sent;
  Qmp q("web1", [&](const std::string& cmd) -> Result<std::string> {
    sent = cmd;
    return std::string(R"({"return":{"status":"io-error","running":false},"id":"libvirt-9"})");
  });
  auto r = q.execute("query-status");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(sent, R"({"execute":"query-status"})");
  EXPECT_EQ(r->str("status"), "io-error");
  r = q.execute("blockdev-del", Json::object({{"node-name", "n\"1"}}));
  EXPECT_EQ(sent, R"({"execute":"blockdev-del","arguments":{"node-name":"n\"1"}})");
}

TEST(Qmp, MapsErrorReplies) {
  std::string reply;
  Qmp q("web1", [&](const std::string&) -> Result<std::string> { return reply; });
  reply = R"({"error":{"class":"GenericError","desc":"Node 'x' is busy"},"id":"libvirt-3"})";
  auto r = q.execute("blockdev-del");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  EXPECT_EQ(r.error().message, "blockdev-del on web1: GenericError: Node 'x' is busy");
  reply = R"({"error":{"class":"CommandNotFound","desc":"The command yank has not been found"}})";
  EXPECT_EQ(q.execute("yank").error().code, Errc::kNotFound);
  reply = "not json";
  EXPECT_EQ(q.execute("query-block").error().code, Errc::kInternal);
  reply = R"({"id":"x"})";
  EXPECT_EQ(q.execute("query-block").error().code, Errc::kInternal);
}

TEST(Qmp, TransportErrorsPassThrough) {
  Qmp q("web1", [](const std::string&) -> Result<std::string> {
    return make_error(Errc::kTimeout, "QEMU monitor of web1: no answer within 10000 ms");
  });
  auto r = q.execute("query-status");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kTimeout);
}

}  // namespace
}  // namespace vmha::virt
