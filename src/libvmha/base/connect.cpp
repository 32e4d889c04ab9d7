#include "libvmha/base/connect.h"

#include <poll.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vmha {

Status try_connect(int family, const sockaddr* addr, socklen_t len, Millis timeout,
                   const std::string& what) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::kInternal, "socket(): " + std::string(strerror(errno)));
  int rc = connect(fd, addr, len);
  if (rc < 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0) {
      close(fd);
      return make_error(Errc::kTimeout, what + " did not accept a connection in time");
    }
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
    rc = err ? -1 : 0;
    errno = err;
  }
  int saved = errno;
  close(fd);
  if (rc < 0) return make_error(Errc::kUnreachable, what + ": " + strerror(saved));
  return Unit{};
}


Status try_connect_unix(const std::string& path, Millis timeout, const std::string& what) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return make_error(Errc::kInvalidArgument, "socket path too long: " + path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return try_connect(AF_UNIX, reinterpret_cast<sockaddr*>(&a), sizeof a, timeout, what);
}

}  // namespace vmha
