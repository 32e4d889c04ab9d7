#include "libvmha/eventd/query_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "libvmha/base/strings.h"

namespace vmha::eventd {

QueryServer::QueryServer(Loop& loop, std::string path, Answer answer, Record record)
    : loop_(loop), path_(std::move(path)), answer_(std::move(answer)), record_(std::move(record)) {}

QueryServer::~QueryServer() {
  for (auto& [fd, buf] : pending_) {
    loop_.unwatch_fd(fd);
    close(fd);
  }
  if (listen_fd_ >= 0) {
    loop_.unwatch_fd(listen_fd_);
    close(listen_fd_);
    unlink(path_.c_str());
  }
}

Status QueryServer::start() {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path_.size() >= sizeof a.sun_path)
    return make_error(Errc::kInvalidArgument, "socket path too long: " + path_);
  std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return make_error(Errc::kInternal, "socket(): " + std::string(strerror(errno)));
  unlink(path_.c_str());  // a stale socket of an earlier run
  mode_t old = umask(077);
  int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  umask(old);
  if (rc < 0 || listen(listen_fd_, 64) < 0)
    return make_error(Errc::kIo, "cannot listen on " + path_ + ": " + strerror(errno));
  loop_.watch_fd(listen_fd_, [this] { accept_clients(); });
  return Unit{};
}

void QueryServer::accept_clients() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    uint64_t serial = next_serial_++;
    pending_[fd] = Client{serial, ""};
    loop_.watch_fd(fd, [this, fd] { serve(fd); });
    // A client that never sends its line is dropped; not a later client
    // that got the same fd number once this one was served.
    loop_.after(Millis(2000), [this, fd, serial] {
      auto it = pending_.find(fd);
      if (it == pending_.end() || it->second.serial != serial) return;
      pending_.erase(it);
      loop_.unwatch_fd(fd);
      close(fd);
    });
  }
}

void QueryServer::serve(int fd) {
  auto it = pending_.find(fd);
  if (it == pending_.end()) return;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf);
  std::string& got = it->second.buffer;
  if (n > 0) got.append(buf, static_cast<size_t>(n));
  bool line = got.find('\n') != std::string::npos;
  if (!line && n > 0 && got.size() < 4096) return;  // wait for the rest
  std::string reply = "unknown\n";
  if (line) {
    std::string request = got.substr(0, got.find('\n'));
    std::vector<std::string> fields = split(request, '\t');
    if (fields.size() == 7 && fields[0] == "journal") {
      fields.erase(fields.begin());
      reply = record_ && record_(fields) ? "ok\n" : "refused\n";
    } else {
      std::istringstream in(request);
      std::string verb, uri, domain;
      in >> verb >> uri >> domain;
      if (verb == "state" && !domain.empty()) reply = answer_(uri, domain) + "\n";
    }
  }
  // A client gone already (it gave up waiting) must not kill us with SIGPIPE.
  (void)!send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  loop_.unwatch_fd(fd);
  close(fd);
  pending_.erase(it);
}

}  // namespace vmha::eventd
