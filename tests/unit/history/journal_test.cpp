#include "libvmha/history/journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "../temp_dir.h"

namespace vmha::history {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.set_wall_base(kT0 / 1000 + 3600);  // entries at kT0 are an hour old
  }

  static Entry entry(int64_t t, std::string subject, Kind kind = Kind::kDetection,
                     std::string what = "paused on I/O error") {
    Entry e;
    e.time_ms = t;
    e.node = "node1";
    e.kind = kind;
    e.subject = std::move(subject);
    e.what = std::move(what);
    e.how = "libvirt event";
    e.outcome = kind == Kind::kAction ? "ok" : "";
    e.detail = "eio on nbd://disk0";
    return e;
  }

  static mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  vmha::testing::TempDir tmp_{"vmha-journal"};
  std::string dir_ = tmp_.path();
  std::string path_ = dir_ + "/lib/vmha/journal.db";
  ManualClock clock_;
};

TEST_F(JournalTest, CreatesDirectoriesAndFileWithTheirModesInWalMode) {
  auto j = Journal::open(path_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  EXPECT_EQ(mode_of(dir_ + "/lib"), 0750u);
  EXPECT_EQ(mode_of(dir_ + "/lib/vmha"), 0750u);
  EXPECT_EQ(mode_of(path_), 0640u);
  auto mode = j->journal_mode();
  ASSERT_TRUE(mode.ok()) << mode.error().message;
  EXPECT_EQ(*mode, "wal");
}

TEST_F(JournalTest, AppendsAndReadsBackNewestFirst) {
  auto j = Journal::open(path_, {}, clock_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  ASSERT_TRUE(j->append(entry(kT0, "vm1")).ok());
  ASSERT_TRUE(j->append(entry(kT0 + 2000, "vm1", Kind::kAction, "destroy")).ok());
  ASSERT_TRUE(j->append(entry(kT0 + 1000, "vm2", Kind::kState, "#health-vmha-storage=red")).ok());

  auto all = j->query({});
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].what, "destroy");
  EXPECT_EQ((*all)[0].kind, Kind::kAction);
  EXPECT_EQ((*all)[0].outcome, "ok");
  EXPECT_EQ((*all)[0].time_ms, kT0 + 2000);
  EXPECT_EQ((*all)[1].subject, "vm2");
  EXPECT_EQ((*all)[1].kind, Kind::kState);
  EXPECT_EQ((*all)[2].node, "node1");
  EXPECT_EQ((*all)[2].how, "libvirt event");
  EXPECT_EQ((*all)[2].detail, "eio on nbd://disk0");
  EXPECT_GT((*all)[0].id, (*all)[2].id);
}

TEST_F(JournalTest, FiltersBySubjectKindTimeAndLimit) {
  auto j = Journal::open(path_, {}, clock_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  for (int i = 0; i < 10; ++i) {
    Kind k = i % 2 ? Kind::kAction : Kind::kDetection;
    ASSERT_TRUE(j->append(entry(kT0 + i * 1000, i < 5 ? "vm1" : "vm2", k)).ok());
  }
  Query q;
  q.subject = "vm1";
  EXPECT_EQ(j->query(q)->size(), 5u);
  q.kind = Kind::kAction;
  EXPECT_EQ(j->query(q)->size(), 2u);  // i = 1, 3

  Query window;
  window.since_ms = kT0 + 3000;  // inclusive
  window.until_ms = kT0 + 6000;  // exclusive
  auto w = j->query(window);
  ASSERT_EQ(w->size(), 3u);
  EXPECT_EQ((*w)[0].time_ms, kT0 + 5000);
  EXPECT_EQ((*w)[2].time_ms, kT0 + 3000);

  Query limited;
  limited.limit = 4;
  auto l = j->query(limited);
  ASSERT_EQ(l->size(), 4u);
  EXPECT_EQ((*l)[0].time_ms, kT0 + 9000);
  limited.limit = 0;
  EXPECT_EQ(j->query(limited)->size(), 10u);
}

TEST_F(JournalTest, KeepsAtMostMaxRowsTrimmingEveryFewAppends) {
  Retention r;
  r.max_rows = 5;
  r.prune_every = 3;
  auto j = Journal::open(path_, r, clock_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(j->append(entry(kT0 + i, "vm" + std::to_string(i))).ok());
  // 12 appends: trimmed after the 3rd, 6th, 9th and 12th.
  Query everything;
  everything.limit = 0;
  auto rows = j->query(everything);
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ(rows->front().subject, "vm11");
  EXPECT_EQ(rows->back().subject, "vm7");
  ASSERT_TRUE(j->append(entry(kT0 + 12, "vm12")).ok());
  EXPECT_EQ(j->query(everything)->size(), 6u) << "between two trims the bound may be exceeded";
}

TEST_F(JournalTest, DropsRowsOlderThanMaxAge) {
  clock_.set_wall_base(kT0 / 1000);
  Retention r;
  r.max_age_days = 2;
  r.prune_every = 1;
  auto j = Journal::open(path_, r, clock_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  const int64_t day = 86'400'000;
  ASSERT_TRUE(j->append(entry(kT0 - 3 * day, "ancient")).ok());
  ASSERT_TRUE(j->append(entry(kT0 - day, "recent")).ok());
  auto rows = j->query({});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().subject, "recent");
  clock_.advance(Millis(2 * day));  // "recent" is now 3 days old
  ASSERT_TRUE(j->prune().ok());
  EXPECT_TRUE(j->query({})->empty());
}

TEST_F(JournalTest, ReopensWithItsRowsAndStampsMissingTimes) {
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  {
    auto j = Journal::open(path_);
    ASSERT_TRUE(j.ok()) << j.error().message;
    ASSERT_TRUE(j->append(entry(0, "vm1")).ok());
  }
  auto j = Journal::open(path_, {}, clock_);
  ASSERT_TRUE(j.ok()) << j.error().message;
  auto rows = j->query({});
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_GE(rows->front().time_ms, before);
  EXPECT_LT(rows->front().time_ms, before + 60'000);

  auto reader = Journal::open_read_only(path_);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  ASSERT_TRUE(j->append(entry(kT0 + 1, "vm2")).ok());
  EXPECT_EQ(reader->query({})->size(), 2u) << "a reader sees the writer's commits";
  EXPECT_FALSE(reader->append(entry(kT0, "vm3")).ok());
}

TEST_F(JournalTest, ReportsAnUnusablePathByName) {
  std::string blocker = dir_ + "/file";
  ASSERT_TRUE(Journal::open(blocker).ok());
  auto j = Journal::open(blocker + "/journal.db");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find(blocker), std::string::npos) << j.error().message;
  EXPECT_FALSE(Journal::open_read_only(dir_ + "/missing.db").ok());
}

TEST(JournalKind, RoundTrips) {
  for (Kind k : {Kind::kDetection, Kind::kAction, Kind::kState})
    EXPECT_EQ(parse_kind(to_string(k)), k);
  EXPECT_FALSE(parse_kind("other").has_value());
}

}  // namespace
}  // namespace vmha::history
