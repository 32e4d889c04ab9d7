#include "libvmha/ipmi/ping.h"

#include <freeipmi/freeipmi.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace vmha::ipmi {
namespace {

// ASF message types (DSP0136): presence ping and its pong.
constexpr uint64_t kPong = 0x40;

struct ObjFree {
  void operator()(fiid_obj_t o) const { fiid_obj_destroy(o); }
};
using Obj = std::unique_ptr<std::remove_pointer_t<fiid_obj_t>, ObjFree>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// A ping datagram with `tag`; empty when libfreeipmi cannot build one.
std::string ping_packet(uint8_t tag) {
  Obj hdr(fiid_obj_create(tmpl_rmcp_hdr));
  Obj cmd(fiid_obj_create(tmpl_cmd_asf_presence_ping));
  if (!hdr || !cmd || fill_rmcp_hdr_asf(hdr.get()) < 0 ||
      fill_cmd_asf_presence_ping(tag, cmd.get()) < 0) {
    return {};
  }
  char buf[64];
  int n = assemble_rmcp_pkt(hdr.get(), cmd.get(), buf, sizeof buf, IPMI_INTERFACE_FLAGS_DEFAULT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

bool is_pong(const char* pkt, size_t len) {
  Obj hdr(fiid_obj_create(tmpl_rmcp_hdr));
  Obj cmd(fiid_obj_create(tmpl_cmd_asf_presence_pong));
  if (!hdr || !cmd) return false;
  if (unassemble_rmcp_pkt(pkt, static_cast<unsigned>(len), hdr.get(), cmd.get(),
                          IPMI_INTERFACE_FLAGS_DEFAULT) < 0) {
    return false;
  }
  uint64_t type = 0;
  return fiid_obj_get(cmd.get(), "message_type", &type) == 1 && type == kPong;
}

}  // namespace

Status ping(const std::string& host, uint16_t port, Millis budget, Millis interval) {
  std::string bmc = "BMC " + host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return make_error(Errc::kInvalidArgument,
                      "ip " + host + " does not resolve: " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> addrs(found, freeaddrinfo);
  Fd s;
  s.fd = socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return make_error(Errc::kInternal, std::string("socket(): ") + strerror(errno));
  // Connected, so that an ICMP port unreachable comes back as ECONNREFUSED.
  if (connect(s.fd, found->ai_addr, found->ai_addrlen) < 0) {
    return make_error(Errc::kUnreachable, bmc + ": " + strerror(errno));
  }
  Clock& clock = system_clock();
  Deadline deadline(clock, budget);
  uint8_t tag = 0;
  std::string why = "no answer to an RMCP presence ping within " +
                    std::to_string(budget.count()) + " ms (reach_timeout)";
  while (!deadline.expired()) {
    std::string pkt = ping_packet(tag);
    if (pkt.empty()) return make_error(Errc::kInternal, "libfreeipmi cannot build an RMCP ping");
    // Tags run 0x00-0xFE: a BMC may drop a repeated one.
    tag = static_cast<uint8_t>((tag + 1) % 0xFF);
    if (send(s.fd, pkt.data(), pkt.size(), 0) < 0 && errno != ECONNREFUSED) {
      return make_error(Errc::kUnreachable, bmc + ": " + strerror(errno));
    }
    Deadline resend(clock, std::min(interval, deadline.remaining()));
    while (!resend.expired()) {
      pollfd p{s.fd, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(resend.remaining().count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      char buf[512];
      ssize_t got = recv(s.fd, buf, sizeof buf, 0);
      if (got < 0 && errno == ECONNREFUSED) {
        return make_error(Errc::kUnreachable,
                          bmc + " refused the RMCP port: nothing listens there; check ip and ipport");
      }
      if (got > 0 && is_pong(buf, static_cast<size_t>(got))) return ok_status();
    }
  }
  return make_error(Errc::kUnreachable, bmc + ": " + why +
                    "; check that the BMC is powered and on this network, or raise reach_timeout "
                    "for a slow one (0 skips the ping)");
}

}  // namespace vmha::ipmi
