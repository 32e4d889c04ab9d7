#include "libvmha/vm/deep_check.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "libvmha/base/connect.h"

namespace vmha::vm {
namespace {

Status check_network(const virt::DiskSource& d, Millis timeout) {
  std::string what = d.protocol + " server of disk " + d.target;
  if (!d.socket.empty()) {
    return try_connect_unix(d.socket, timeout, what + " (" + d.socket + ")");
  }
  if (d.host.empty()) return Unit{};  // nothing we know how to probe
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int port = d.port ? d.port : (d.protocol == "nbd" ? 10809 : 0);
  if (getaddrinfo(d.host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res)
    return make_error(Errc::kUnreachable, what + ": cannot resolve " + d.host);
  Status s = try_connect(res->ai_family, res->ai_addr, res->ai_addrlen, timeout,
                         what + " (" + d.host + ":" + std::to_string(port) + ")");
  freeaddrinfo(res);
  return s;
}

}  // namespace

Status check_disk_reachable(const virt::DiskSource& d, Millis timeout) {
  if (d.type == "file" || d.type == "block") {
    if (d.path.empty()) return Unit{};  // e.g. an empty CD-ROM
    // O_NONBLOCK: never wait on a device; O_PATH would not prove readability.
    int fd = open(d.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      return make_error(Errc::kUnreachable, "disk " + d.target + " source " + d.path + ": " + strerror(errno));
    close(fd);
    return Unit{};
  }
  if (d.type == "network") return check_network(d, timeout);
  return Unit{};
}

Status deep_check(virt::Hypervisor& hv, const virt::DomainConfig& dom, int level, Millis timeout) {
  if (level < 10) return Unit{};
  std::vector<std::string> targets;
  for (const auto& d : dom.disks)
    if (!d.target.empty()) targets.push_back(d.target);
  VMHA_TRY(hv.probe_qemu_monitor(dom.name, targets));
  for (const auto& d : dom.disks) VMHA_TRY(check_disk_reachable(d, timeout));
  if (level >= 20 && dom.has_guest_agent) VMHA_TRY(hv.probe_guest_agent(dom.name));
  return Unit{};
}

}  // namespace vmha::vm
