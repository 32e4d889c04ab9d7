#include "libvmha/virt/event_connection.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <mutex>

#include "libvmha/base/log.h"
#include "libvmha/virt/ha_metadata.h"

namespace vmha::virt {
namespace {

virConnectPtr as_conn(void* p) { return static_cast<virConnectPtr>(p); }

// libvirt errors are thread-local: call on the thread that made the call.
Error libvirt_error(Errc code, const std::string& what) {
  virErrorPtr e = virGetLastError();
  std::string msg = e && e->message ? e->message : "unknown libvirt error";
  virResetLastError();
  return make_error(code, what + ": " + msg);
}

int last_error_code() {
  virErrorPtr e = virGetLastError();
  return e ? e->code : VIR_ERR_OK;
}

struct DomainContext {
  EventConnection::Deliver deliver;
};

struct CloseContext {
  EventConnection::OnClose on_close;
  std::string uri;
};

void free_domain_context(void* p) { delete static_cast<DomainContext*>(p); }
void free_close_context(void* p) { delete static_cast<CloseContext*>(p); }

// The timestamp is taken first: it is when the event reached this process.
DomainEvent event_for(EventKind kind, virDomainPtr dom) {
  DomainEvent e = new_event(kind);
  if (const char* name = virDomainGetName(dom)) e.domain = name;
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(dom, uuid) == 0) e.uuid = uuid;
  return e;
}

// No exception may unwind into libvirt's C frames.
template <typename F>
void guarded(F&& f) noexcept {
  try {
    f();
  } catch (...) {
  }
}

void deliver(void* opaque, DomainEvent e) {
  static_cast<DomainContext*>(opaque)->deliver(std::move(e));
}

int on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* opaque) {
  guarded([&] {
    DomainEvent e = event_for(EventKind::kLifecycle, dom);
    e.event = event;
    e.detail = detail;
    if (auto s = state_after(event, detail)) {
      e.has_state = true;
      e.state = s->first;
      e.reason = s->second;
    }
    deliver(opaque, std::move(e));
  });
  return 0;
}

void on_io_error(virConnectPtr, virDomainPtr dom, const char* src_path, const char* dev_alias,
                 int action, const char* reason, void* opaque) {
  guarded([&] {
    DomainEvent e = event_for(EventKind::kIoError, dom);
    e.io_src_path = src_path ? src_path : "";
    e.io_device = dev_alias ? dev_alias : "";
    e.io_action = action;
    e.io_reason = reason ? reason : "";
    deliver(opaque, std::move(e));
  });
}

void on_watchdog(virConnectPtr, virDomainPtr dom, int action, void* opaque) {
  guarded([&] {
    DomainEvent e = event_for(EventKind::kWatchdog, dom);
    e.watchdog_action = action;
    deliver(opaque, std::move(e));
  });
}

void on_control_error(virConnectPtr, virDomainPtr dom, void* opaque) {
  guarded([&] { deliver(opaque, event_for(EventKind::kControlError, dom)); });
}

// Only the vmha namespace matters: the agent rewrites it at start and reload.
void on_metadata(virConnectPtr, virDomainPtr dom, int type, const char* nsuri, void* opaque) {
  guarded([&] {
    if (type != VIR_DOMAIN_METADATA_ELEMENT || !nsuri || std::string(nsuri) != kHaNamespace) return;
    deliver(opaque, event_for(EventKind::kMetadata, dom));
  });
}

void on_close(virConnectPtr, int reason, void* opaque) {
  guarded([&] {
    auto* ctx = static_cast<CloseContext*>(opaque);
    switch (reason) {
      case VIR_CONNECT_CLOSE_REASON_EOF:
        ctx->on_close(DisconnectReason::kEof,
                      "libvirtd at " + ctx->uri + " closed the connection (stopped or restarted)");
        break;
      case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
        ctx->on_close(
            DisconnectReason::kKeepalive,
            "libvirtd at " + ctx->uri + " did not answer keepalive (hung or unreachable)");
        break;
      case VIR_CONNECT_CLOSE_REASON_CLIENT:
        ctx->on_close(DisconnectReason::kClient, "connection to " + ctx->uri + " closed here");
        break;
      default:
        ctx->on_close(DisconnectReason::kIoError,
                      "I/O error on the connection to libvirtd at " + ctx->uri);
        break;
    }
  });
}

struct DomainRegistration {
  int id;
  virConnectDomainEventGenericCallback callback;
  const char* what;
};

const DomainRegistration kRegistrations[] = {
    {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), "lifecycle"},
    {VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON, VIR_DOMAIN_EVENT_CALLBACK(on_io_error), "I/O error"},
    {VIR_DOMAIN_EVENT_ID_WATCHDOG, VIR_DOMAIN_EVENT_CALLBACK(on_watchdog), "watchdog"},
    {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK(on_metadata), "metadata"},
    {VIR_DOMAIN_EVENT_ID_CONTROL_ERROR, VIR_DOMAIN_EVENT_CALLBACK(on_control_error),
     "control error"},
};

// One domain of a listing; nullopt when it vanished meanwhile.
Result<std::optional<DomainSnapshot>> snapshot_of(virDomainPtr d, bool read_ha_metadata) {
  using R = std::optional<DomainSnapshot>;
  DomainSnapshot s;
  if (const char* name = virDomainGetName(d)) s.name = name;
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virDomainGetUUIDString(d, uuid) == 0) s.uuid = uuid;
  if (virDomainGetState(d, &s.state, &s.reason, 0) < 0) {
    if (last_error_code() == VIR_ERR_NO_DOMAIN) {
      virResetLastError();
      return R{};
    }
    return libvirt_error(Errc::kUnreachable, "state of " + s.name);
  }
  s.active = virDomainIsActive(d) == 1;
  s.persistent = virDomainIsPersistent(d) == 1;
  virResetLastError();
  if (read_ha_metadata) {
    char* m = virDomainGetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, kHaNamespace,
                                   VIR_DOMAIN_AFFECT_CURRENT);
    if (m) {
      s.ha_metadata = std::string(m);
      free(m);
    } else if (int code = last_error_code(); code == VIR_ERR_NO_DOMAIN_METADATA) {
      virResetLastError();
    } else if (code == VIR_ERR_NO_DOMAIN) {
      virResetLastError();
      return R{};
    } else {
      return libvirt_error(Errc::kUnreachable, "HA metadata of " + s.name);
    }
  }
  return R{std::move(s)};
}

}  // namespace

Status register_default_event_loop() {
  static std::once_flag once;
  static int rc = -1;
  static std::string message;
  std::call_once(once, [] {
    virInitialize();
    // We report errors ourselves, once, with context.
    virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
    rc = virEventRegisterDefaultImpl();
    if (rc < 0) message = libvirt_error(Errc::kInternal, "register libvirt's event loop").message;
  });
  if (rc < 0) return make_error(Errc::kInternal, message);
  return ok_status();
}

void run_event_loop_once() {
  if (virEventRunDefaultImpl() < 0) virResetLastError();
}

void wake_event_loop() {
  // A timer due at once makes the loop's poll return; it removes itself.
  virEventAddTimeout(
      0, [](int timer, void*) { virEventRemoveTimeout(timer); }, nullptr, nullptr);
}

Result<std::shared_ptr<EventConnection>> EventConnection::open(const std::string& uri) {
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (!c) return libvirt_error(Errc::kUnreachable, "connect to libvirtd at " + uri);
  return std::shared_ptr<EventConnection>(new EventConnection(uri, c));
}

EventConnection::~EventConnection() { close(); }

Status EventConnection::set_keepalive(int interval_s, int count) {
  std::lock_guard lock(mu_);
  int rc = virConnectSetKeepAlive(as_conn(conn_), interval_s, static_cast<unsigned>(count));
  if (rc < 0 && last_error_code() == VIR_ERR_NO_SUPPORT) {
    // A driver in this process (test:///): nothing between us can hang.
    virResetLastError();
    return ok_status();
  }
  if (rc < 0) return libvirt_error(Errc::kUnreachable, "enable keepalive on " + uri_);
  if (rc == 1)
    log::warning("libvirtd at " + uri_ + " does not answer keepalive: a hang goes unnoticed");
  return ok_status();
}

Status EventConnection::watch(Deliver deliver, OnClose on_close_fn) {
  std::lock_guard lock(mu_);
  auto* close_ctx = new CloseContext{std::move(on_close_fn), uri_};
  if (virConnectRegisterCloseCallback(as_conn(conn_), on_close, close_ctx, free_close_context) <
      0) {
    delete close_ctx;
    return libvirt_error(Errc::kUnreachable, "register the close callback on " + uri_);
  }
  close_callback_ = true;
  for (const auto& r : kRegistrations) {
    auto* ctx = new DomainContext{deliver};
    int id = virConnectDomainEventRegisterAny(as_conn(conn_), nullptr, r.id, r.callback, ctx,
                                              free_domain_context);
    if (id < 0) {
      delete ctx;
      return libvirt_error(Errc::kUnreachable,
                           std::string("register for ") + r.what + " events on " + uri_);
    }
    callback_ids_.push_back(id);
  }
  return ok_status();
}

Result<std::vector<DomainSnapshot>> EventConnection::snapshot(bool read_ha_metadata) {
  std::lock_guard lock(mu_);
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(as_conn(conn_), &domains, 0);
  if (n < 0) return libvirt_error(Errc::kUnreachable, "list the domains of " + uri_);
  std::vector<DomainSnapshot> out;
  std::optional<Error> failed;
  for (int i = 0; i < n; ++i) {
    if (!failed) {
      auto s = snapshot_of(domains[i], read_ha_metadata);
      if (!s)
        failed = s.error();
      else if (*s)
        out.push_back(std::move(**s));
    }
    virDomainFree(domains[i]);
  }
  free(domains);
  if (failed) return *failed;
  return out;
}

Status EventConnection::ping() {
  std::lock_guard lock(mu_);
  unsigned long version = 0;
  if (virConnectGetLibVersion(as_conn(conn_), &version) < 0)
    return libvirt_error(Errc::kUnreachable, "ask libvirtd at " + uri_ + " for its version");
  return ok_status();
}

void EventConnection::close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  // On a dead connection these fail at once; their errors mean nothing then.
  for (int id : callback_ids_) virConnectDomainEventDeregisterAny(as_conn(conn_), id);
  callback_ids_.clear();
  if (close_callback_) virConnectUnregisterCloseCallback(as_conn(conn_), on_close);
  virConnectClose(as_conn(conn_));
  virResetLastError();
}

}  // namespace vmha::virt
