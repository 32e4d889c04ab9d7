#include "libvmha/ctl/output.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "libvmha/ctl/history_cmd.h"
#include "libvmha/history/journal.h"

namespace vmha::ctl {
namespace {

Table sample() {
  return {"event", {"time", "what"}, {{"1", "paused \"on\" <I/O>"}, {"22", "resumed"}}};
}

TEST(Output, TextAlignsColumns) {
  EXPECT_EQ(render(sample(), Format::kText),
            "time  what\n"
            "1     paused \"on\" <I/O>\n"
            "22    resumed\n");
}

TEST(Output, JsonAndXmlEscape) {
  std::string json = render(sample(), Format::kJson);
  EXPECT_NE(json.find("\"what\": \"paused \\\"on\\\" <I/O>\""), std::string::npos) << json;
  std::string xml = render(sample(), Format::kXml);
  EXPECT_NE(xml.find("<events>"), std::string::npos);
  EXPECT_NE(xml.find("what=\"paused &quot;on&quot; &lt;I/O&gt;\""), std::string::npos) << xml;
  EXPECT_FALSE(parse_format("yaml"));
}

TEST(History, ReadsTheJournalWithFilters) {
  auto dir = std::filesystem::temp_directory_path() / ("vmha-hist-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "journal.db").string();
  {
    auto j = history::Journal::open(path);
    ASSERT_TRUE(j.ok()) << j.error().message;
    history::Entry e;
    e.node = "n1";
    e.subject = "vm1";
    e.what = "paused on I/O error";
    ASSERT_TRUE(j->append(e).ok());
    e.kind = history::Kind::kAction;
    e.what = "resume";
    e.outcome = "ok";
    ASSERT_TRUE(j->append(e).ok());
    e.subject = "vm2";
    ASSERT_TRUE(j->append(e).ok());
  }
  auto all = history({"--journal", path, "--output-as", "json"});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_NE(all->find("vm2"), std::string::npos);
  auto actions = history({"--journal=" + path, "--subject", "vm1", "--kind", "action"});
  ASSERT_TRUE(actions.ok());
  EXPECT_NE(actions->find("resume"), std::string::npos);
  EXPECT_EQ(actions->find("paused"), std::string::npos);
  EXPECT_EQ(actions->find("vm2"), std::string::npos);
  EXPECT_FALSE(history({"--kind", "bogus"}).ok());
  EXPECT_FALSE(history({"--journal", (dir / "absent.db").string()}).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vmha::ctl
