// A unix socket on which vmha-eventd answers local questions from its event
// stream, on the loop thread, without blocking it. Protocol: one request
// line (under 4 KiB), one reply line, then the server closes:
//   "state <uri> <domain>"  ->  "running" | "other <why>" | "unknown"
//   "journal" TAB kind TAB subject TAB what TAB how TAB outcome TAB detail
//                           ->  "ok" | "refused"
// "unknown" when the daemon watches another URI or is not connected: the
// asker must then ask libvirt itself. "journal" adds a row (from the
// resource agent, see journal_client.h) to the journal the daemon keeps.
// The socket is 0600 (root's agents).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libvmha/base/result.h"
#include "libvmha/eventd/loop.h"

namespace vmha::eventd {

class QueryServer {
 public:
  using Answer = std::function<std::string(const std::string& uri, const std::string& domain)>;
  // The six fields after "journal"; false refuses them.
  using Record = std::function<bool(const std::vector<std::string>& fields)>;
  QueryServer(Loop& loop, std::string path, Answer answer, Record record = nullptr);
  ~QueryServer();
  Status start();

 private:
  void accept_clients();
  void serve(int fd);

  Loop& loop_;
  std::string path_;
  Answer answer_;
  Record record_;
  int listen_fd_ = -1;
  struct Client {
    uint64_t serial;     // tells this client from a later one given the same fd
    std::string buffer;  // bytes read so far
  };
  std::map<int, Client> pending_;  // by fd
  uint64_t next_serial_ = 0;
};

}  // namespace vmha::eventd
