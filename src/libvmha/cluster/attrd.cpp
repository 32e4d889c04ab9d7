#include "libvmha/cluster/attrd.h"

#include <crm/common/ipc.h>
#include <crm/common/ipc_attrd_internal.h>
#include <crm/common/results.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "libvmha/base/bounded.h"
#include "libvmha/base/log.h"
#include "libvmha/cluster/attr_queue.h"
#include "libvmha/cluster/pacemaker_lib.h"

namespace vmha::cluster {
namespace {

// pcmk__node_attr_value from crm/common/attrd_internal.h, which Debian's
// pacemaker-dev does not install (2.1.x: remote=1, private=2, value=8,
// delay=16). "value" alone makes an update of the value only (task
// "update"), the same request `attrd_updater -U` sends.
constexpr uint32_t kNodeAttrValue = 1u << 3;

// Latencies are measured, never waited on: a plain monotonic clock.
Micros now_us() {
  return std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

struct AttrWriter::Impl {
  explicit Impl(Options o) : opt(std::move(o)) {}

  void run();
  bool still_connected(pcmk_ipc_api_t* api);

  Options opt;
  mutable std::mutex mu;
  std::condition_variable wake;     // the worker: something to send, or stop
  std::condition_variable idle_cv;  // wait_idle()
  AttrQueue queue;
  AttrWriterStats stats;
  bool stop = false;
  bool connected = false;
  std::thread worker;
};

AttrWriter::AttrWriter() : AttrWriter(Options{}) {}

AttrWriter::AttrWriter(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  prepare_pacemaker_library();
  impl_->worker = std::thread([impl = impl_.get()] { impl->run(); });
}

AttrWriter::~AttrWriter() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  impl_->worker.join();
}

void AttrWriter::set(const std::string& name, const std::string& value) {
  if (name.empty()) {
    log::warning("node attribute with an empty name ignored (value " + value + ")");
    return;
  }
  std::lock_guard lock(impl_->mu);
  if (impl_->queue.set(name, value, now_us())) {
    ++impl_->stats.sets;
    impl_->wake.notify_one();
  }
}

void AttrWriter::remove(const std::string& name) {
  if (name.empty()) return;
  std::lock_guard lock(impl_->mu);
  if (impl_->queue.set(name, std::nullopt, now_us())) {
    ++impl_->stats.sets;
    impl_->wake.notify_one();
  }
}

bool AttrWriter::wait_idle(Millis timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->idle_cv.wait_for(lock, timeout, [&] { return impl_->queue.idle(); });
}

bool AttrWriter::connected() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connected;
}

AttrWriterStats AttrWriter::stats() const {
  std::lock_guard lock(impl_->mu);
  AttrWriterStats s = impl_->stats;
  s.coalesced = impl_->queue.coalesced();
  return s;
}

// In synchronous dispatch nothing reads the connection between requests, so
// a vanished attrd shows only when the socket is polled: pcmk_dispatch_ipc
// polls, reads (and drops) anything attrd sent, and marks a hang-up.
bool AttrWriter::Impl::still_connected(pcmk_ipc_api_t* api) {
  pcmk_dispatch_ipc(api);
  return pcmk_ipc_is_connected(api);
}

void AttrWriter::Impl::run() {
  pcmk_ipc_api_t* api = nullptr;
  int rc = pcmk_new_ipc_api(&api, pcmk_ipc_attrd);
  if (rc != pcmk_rc_ok) {
    log::error("node attributes will not be written: cannot create an attrd IPC client: " +
               pcmk_rc_text(rc));
    return;
  }
  Millis backoff = opt.backoff_min;
  bool outage_logged = false;
  std::unique_lock lock(mu);
  while (!stop) {
    if (!connected) {
      lock.unlock();
      rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
      lock.lock();
      if (rc != pcmk_rc_ok) {
        if (!outage_logged) {
          log::warning("cannot connect to pacemaker-attrd: " + pcmk_rc_text(rc) +
                       "; node attributes are kept and sent once it answers");
          outage_logged = true;
        }
        wake.wait_for(lock, backoff, [&] { return stop; });
        backoff = std::min(backoff * 2, opt.backoff_max);
        continue;
      }
      connected = true;
      ++stats.connects;
      backoff = opt.backoff_min;
      outage_logged = false;
      // A new attrd starts empty and erases this node's transient
      // attributes from the CIB: give it every value again.
      size_t n = queue.resend_all();
      log::info("connected to pacemaker-attrd; " + std::to_string(n) +
                " node attribute(s) to re-send");
    }
    std::optional<AttrUpdate> u = queue.take();
    if (!u) {
      bool woken =
          wake.wait_for(lock, opt.liveness_interval, [&] { return stop || !queue.idle(); });
      if (!woken) {
        lock.unlock();
        bool alive = still_connected(api);
        if (!alive) pcmk_disconnect_ipc(api);
        lock.lock();
        if (!alive) {
          connected = false;
          log::warning("lost the connection to pacemaker-attrd; reconnecting");
        }
      }
      continue;
    }
    ++stats.sent;
    lock.unlock();
    rc = pcmk__attrd_api_update(api, nullptr, u->name.c_str(),
                                u->value ? u->value->c_str() : nullptr, nullptr, nullptr, nullptr,
                                kNodeAttrValue);
    Micros done_at = now_us();
    if (rc != pcmk_rc_ok) pcmk_disconnect_ipc(api);
    lock.lock();
    if (rc == pcmk_rc_ok) {
      queue.acked(*u);
      ++stats.acked;
      if (u->resend) ++stats.resends;
      if (opt.on_ack) {
        AttrAck ack{u->name, u->value, done_at - u->set_at, u->resend};
        lock.unlock();
        opt.on_ack(ack);
        lock.lock();
      }
    } else {
      queue.failed(*u);
      ++stats.failed;
      connected = false;
      log::warning("pacemaker-attrd did not take node attribute " + u->name + ": " +
                   pcmk_rc_text(rc) + "; reconnecting");
    }
    if (queue.idle()) idle_cv.notify_all();
  }
  lock.unlock();
  pcmk_disconnect_ipc(api);
  pcmk_free_ipc_api(api);
}

namespace {

struct QueryAnswer {
  bool replied = false;
  int status = 0;
  std::string node;
  std::optional<std::string> value;
};

void on_query_reply(pcmk_ipc_api_t*, enum pcmk_ipc_event event, crm_exit_t status, void* event_data,
                    void* user_data) {
  if (event != pcmk_ipc_event_reply) return;
  auto* answer = static_cast<QueryAnswer*>(user_data);
  answer->replied = true;
  answer->status = static_cast<int>(status);
  if (status != CRM_EX_OK || event_data == nullptr) return;
  auto* reply = static_cast<pcmk__attrd_api_reply_t*>(event_data);
  if (reply->reply_type != pcmk__attrd_reply_query) return;
  // One pair per node asked for; "localhost" comes back under its real name.
  for (GList* it = reply->data.pairs; it != nullptr; it = it->next) {
    auto* pair = static_cast<pcmk__attrd_query_pair_t*>(it->data);
    bool ours = answer->node == "localhost" || (pair->node && answer->node == pair->node);
    if (ours && pair->value) answer->value = pair->value;
  }
}

Result<std::optional<std::string>> query_once(const std::string& name, const std::string& node) {
  pcmk_ipc_api_t* api = nullptr;
  int rc = pcmk_new_ipc_api(&api, pcmk_ipc_attrd);
  if (rc != pcmk_rc_ok) {
    return make_error(Errc::kInternal, "cannot create an attrd IPC client: " + pcmk_rc_text(rc));
  }
  QueryAnswer answer;
  answer.node = node;
  pcmk_register_ipc_callback(api, on_query_reply, &answer);
  rc = pcmk_connect_ipc(api, pcmk_ipc_dispatch_sync);
  if (rc != pcmk_rc_ok) {
    pcmk_free_ipc_api(api);
    return make_error(Errc::kUnreachable, "cannot connect to pacemaker-attrd: " + pcmk_rc_text(rc) +
                                              ": is Pacemaker running on this node?");
  }
  rc = pcmk__attrd_api_query(api, node.c_str(), name.c_str(), 0);
  pcmk_disconnect_ipc(api);
  pcmk_free_ipc_api(api);
  if (rc != pcmk_rc_ok) {
    return make_error(Errc::kUnreachable, "query of node attribute " + name + " on " + node +
                                              " failed: " + pcmk_rc_text(rc));
  }
  if (!answer.replied) {
    return make_error(Errc::kInternal, "pacemaker-attrd sent no answer to the query of " + name);
  }
  // ENXIO: attrd knows no attribute of that name on any node.
  if (answer.status == ENXIO) return std::optional<std::string>();
  if (answer.status != CRM_EX_OK) {
    return make_error(Errc::kInternal, "pacemaker-attrd could not answer the query of " + name +
                                           ": exit status " + std::to_string(answer.status));
  }
  return answer.value;
}

}  // namespace

Result<std::optional<std::string>> AttrWriter::query(const std::string& name,
                                                     const std::string& node, Millis timeout) {
  if (name.empty() || node.empty()) {
    return make_error(Errc::kInvalidArgument,
                      "node attribute query needs a name and a node (\"localhost\": this node)");
  }
  prepare_pacemaker_library();
  return run_bounded<std::optional<std::string>>([name, node] { return query_once(name, node); },
                                                 timeout, "query of node attribute " + name);
}

}  // namespace vmha::cluster
