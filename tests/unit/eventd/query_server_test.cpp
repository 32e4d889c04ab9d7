// vmha-eventd's query socket against clients that misbehave the ways real
// ones do: one that gives up before the answer, one that is slow to ask.
#include "libvmha/eventd/query_server.h"

#include <mutex>

#include "libvmha/eventd/journal_client.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "../temp_dir.h"

namespace vmha::eventd {
namespace {

int connect_to(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  return fd;
}

// Sends `line` on fd and reads the one-line answer ("" on EOF or after 2 s).
std::string exchange(int fd, const std::string& line) {
  EXPECT_EQ(send(fd, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
  std::string reply;
  pollfd p{fd, POLLIN, 0};
  char buf[128];
  while (reply.find('\n') == std::string::npos && poll(&p, 1, 2000) == 1) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return reply;
}

class QueryServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/eventd.sock";
    server_ = std::make_unique<QueryServer>(
        loop_, path_,
        [](const std::string&, const std::string& dom) {
          return dom == "g1" ? std::string("running") : std::string("other absent");
        },
        [this](const std::vector<std::string>& fields) {
          std::lock_guard lock(mu_);
          rows_.push_back(fields);
          return fields[1] != "refuse-me";
        });
    ASSERT_TRUE(server_->start());
    thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    loop_.stop();
    thread_.join();
    server_.reset();
  }

  std::vector<std::vector<std::string>> rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }

  testing::TempDir dir_{"vmha-query"};
  std::mutex mu_;
  std::vector<std::vector<std::string>> rows_;
  Loop loop_{system_clock()};
  std::string path_;
  std::unique_ptr<QueryServer> server_;
  std::thread thread_;
};

TEST_F(QueryServerTest, AClientGoneBeforeTheAnswerDoesNotKillTheServer) {
  // What the agent's "is the daemon here" check does: connect and leave.
  // Answering it must not raise SIGPIPE (this process would die of it).
  for (int i = 0; i < 3; ++i) close(connect_to(path_));
  int fd = connect_to(path_);
  shutdown(fd, SHUT_RD);
  close(fd);
  EXPECT_EQ(exchange(connect_to(path_), "state qemu:///system g1\n"), "running\n");
}

TEST_F(QueryServerTest, AnEarlierClientsDropTimerSparesALaterClientOnTheSameFd) {
  // The first client is answered at once; its 2 s drop timer stays armed.
  EXPECT_EQ(exchange(connect_to(path_), "state qemu:///system g1\n"), "running\n");
  // The next one gets the same fd number on the server and asks slowly,
  // past the first one's timer but within its own 2 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  int fd = connect_to(path_);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(exchange(fd, "state qemu:///system g2\n"), "other absent\n");
}

TEST_F(QueryServerTest, TakesJournalRowsFromTheAgent) {
  history::Entry e;
  e.kind = history::Kind::kAction;
  e.subject = "web1";
  e.what = "rescue: disks moved\tto stand-ins";
  e.how = "QMP";
  e.outcome = "";
  e.detail = std::string(5000, 'x') + "\nend";
  std::string line = journal_request(e);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_LT(line.size(), 4096u) << "within the server's limit";
  ASSERT_TRUE(journal_via_eventd(path_, e).ok());
  auto got = rows();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (std::vector<std::string>{"action", "web1", "rescue: disks moved to stand-ins", "QMP", "",
                                              std::string(kMaxJournalDetail, 'x')}));
  e.subject = "refuse-me";
  auto r = journal_via_eventd(path_, e);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kConflict);
  // A line with the wrong number of fields is not a journal row.
  EXPECT_EQ(exchange(connect_to(path_), "journal\taction\tweb1\n"), "unknown\n");
  EXPECT_EQ(rows().size(), 2u);
}

TEST(JournalClient, NoDaemonIsUnreachable) {
  testing::TempDir dir{"vmha-query-none"};
  auto r = journal_via_eventd(dir.path() + "/eventd.sock", history::Entry{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::kUnreachable);
}

}  // namespace
}  // namespace vmha::eventd
