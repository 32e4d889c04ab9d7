#include "libvmha/cluster/quorum.h"

#include <corosync/quorum.h>

#include <string>
#include <utility>

namespace vmha::cluster {
namespace {

// cs_strerror lives in libcorosync_common, which the libquorum pkg-config
// module does not link; the codes a quorum client meets are few.
std::string cs_text(cs_error_t e) {
  const char* name = nullptr;
  switch (e) {
    case CS_ERR_LIBRARY:
      name = "cannot reach corosync";
      break;
    case CS_ERR_BAD_HANDLE:
      name = "connection closed by corosync";
      break;
    case CS_ERR_TRY_AGAIN:
      name = "corosync busy, try again";
      break;
    case CS_ERR_ACCESS:
      name = "access denied";
      break;
    case CS_ERR_NO_MEMORY:
      name = "out of memory";
      break;
    case CS_ERR_NOT_EXIST:
      name = "no quorum service";
      break;
    default:
      break;
  }
  std::string code = "cs_error " + std::to_string(static_cast<int>(e));
  return name ? std::string(name) + " (" + code + ")" : code;
}

void on_quorum(quorum_handle_t handle, uint32_t quorate, struct quorum_ring_id, uint32_t members,
               const uint32_t*) {
  const void* context = nullptr;
  if (quorum_context_get(handle, &context) != CS_OK || context == nullptr) return;
  static_cast<QuorumWatcher*>(const_cast<void*>(context))->notify(quorate != 0, members);
}

}  // namespace

QuorumWatcher::QuorumWatcher(OnChange on_change) : on_change_(std::move(on_change)) {}

QuorumWatcher::~QuorumWatcher() {
  on_change_ = nullptr;  // no callback into an owner that is going away
  disconnect();
}

Status QuorumWatcher::connect() {
  if (connected()) return ok_status();
  bool before = quorate();
  quorum_model_v1_data_t model{};
  model.model = QUORUM_MODEL_V1;
  model.quorum_notify_fn = on_quorum;
  model.nodelist_notify_fn = nullptr;
  quorum_handle_t h = 0;
  uint32_t quorum_type = 0;
  cs_error_t e = quorum_model_initialize(
      &h, QUORUM_MODEL_V1, reinterpret_cast<quorum_model_data_t*>(&model), &quorum_type, this);
  if (e != CS_OK) {
    return make_error(Errc::kUnreachable, "cannot connect to corosync's quorum service: " +
                                              cs_text(e) + ": is corosync running on this node?");
  }
  int fd = -1;
  int q = 0;
  e = quorum_fd_get(h, &fd);
  if (e == CS_OK) e = quorum_getquorate(h, &q);
  // CURRENT as well as CHANGES: a change between getquorate and trackstart
  // is not lost, the first dispatch reports the state as of trackstart.
  if (e == CS_OK) e = quorum_trackstart(h, CS_TRACK_CURRENT | CS_TRACK_CHANGES);
  if (e != CS_OK) {
    quorum_finalize(h);
    return make_error(Errc::kUnreachable, "cannot track quorum through corosync: " + cs_text(e));
  }
  handle_ = h;
  fd_ = fd;
  // QUORUM_FREE: corosync runs without a quorum provider, every partition
  // may run resources.
  quorate_ = quorum_type == QUORUM_FREE || q != 0;
  report(before);
  return ok_status();
}

Status QuorumWatcher::dispatch() {
  if (!connected()) {
    return make_error(Errc::kUnreachable, "quorum watcher is not connected to corosync");
  }
  cs_error_t e = quorum_dispatch(handle_, CS_DISPATCH_ALL);
  if (e == CS_OK || e == CS_ERR_TRY_AGAIN) return ok_status();
  disconnect();
  return make_error(Errc::kUnreachable, "lost corosync's quorum service: " + cs_text(e) +
                                            ": corosync stopped or restarted; reconnecting");
}

void QuorumWatcher::disconnect() {
  if (!connected()) return;
  bool before = quorate();
  quorum_finalize(handle_);
  handle_ = 0;
  fd_ = -1;
  quorate_ = false;
  members_ = 0;
  report(before);
}

void QuorumWatcher::notify(bool quorate, uint32_t members) {
  bool before = this->quorate();
  quorate_ = quorate;
  members_ = members;
  report(before);
}

void QuorumWatcher::report(bool before) {
  if (quorate() != before && on_change_) on_change_(quorate());
}

}  // namespace vmha::cluster
