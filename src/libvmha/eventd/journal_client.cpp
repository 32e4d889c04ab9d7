#include "libvmha/eventd/journal_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmha::eventd {
namespace {

std::string clean(std::string s, size_t max = std::string::npos) {
  if (s.size() > max) s.resize(max);
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

std::string journal_request(const history::Entry& e) {
  return std::string("journal\t") + history::to_string(e.kind) + "\t" + clean(e.subject) + "\t" +
         clean(e.what) + "\t" + clean(e.how) + "\t" + clean(e.outcome) + "\t" +
         clean(e.detail, kMaxJournalDetail) + "\n";
}

Status journal_via_eventd(const std::string& socket_path, const history::Entry& e, Millis timeout) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof a.sun_path)
    return make_error(Errc::kInvalidArgument, "socket path too long: " + socket_path);
  std::memcpy(a.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::kInternal, "socket(): " + std::string(strerror(errno)));
  // A unix socket connects at once or is refused; the reply is bounded by poll.
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    int err = errno;
    close(fd);
    return make_error(Errc::kUnreachable, "vmha-eventd (" + socket_path + "): " + strerror(err));
  }
  std::string line = journal_request(e), reply;
  bool sent = send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size());
  Deadline deadline(system_clock(), timeout);
  char buf[64];
  pollfd p{fd, POLLIN, 0};
  while (sent && reply.find('\n') == std::string::npos && !deadline.expired() &&
         poll(&p, 1, static_cast<int>(deadline.remaining().count())) == 1) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (reply == "ok\n") return Unit{};
  if (reply.empty())
    return make_error(Errc::kTimeout, "vmha-eventd did not take the journal row in time");
  return make_error(Errc::kConflict, "vmha-eventd refused the journal row: " + clean(reply));
}

}  // namespace vmha::eventd
