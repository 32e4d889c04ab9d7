#include "libvmha/virt/hypervisor.h"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <mutex>

namespace vmha::virt {
namespace {

virConnectPtr as_conn(void* p) { return static_cast<virConnectPtr>(p); }

// libvirt prints every error to stderr unless told otherwise; we report
// errors ourselves, once, with context.
void silence_libvirt() {
  static std::once_flag once;
  std::call_once(once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
  });
}

// Must run on the thread that made the failing call: libvirt errors are
// thread-local.
Error last_error(const std::string& what) {
  virErrorPtr e = virGetLastError();
  Errc code = Errc::kInternal;
  std::string msg = e && e->message ? e->message : "unknown libvirt error";
  if (e) {
    switch (e->code) {
      case VIR_ERR_NO_DOMAIN: code = Errc::kNotFound; break;
      case VIR_ERR_NO_CONNECT:
      case VIR_ERR_RPC:
      case VIR_ERR_SYSTEM_ERROR:
      case VIR_ERR_AUTH_FAILED:
        code = Errc::kUnreachable;
        break;
      case VIR_ERR_OPERATION_INVALID:
      case VIR_ERR_OPERATION_FAILED:
        code = Errc::kConflict;
        break;
      case VIR_ERR_XML_ERROR:
      case VIR_ERR_XML_DETAIL:
      case VIR_ERR_INVALID_ARG:
        code = Errc::kInvalidArgument;
        break;
      case VIR_ERR_AGENT_UNRESPONSIVE:
      case VIR_ERR_OPERATION_TIMEOUT:
        code = Errc::kTimeout;
        break;
      default: break;
    }
    // "client socket is closed" and its kin: the connection, not the call.
    if (e->domain == VIR_FROM_RPC && code == Errc::kInternal) code = Errc::kUnreachable;
  }
  virResetLastError();
  return make_error(code, what + ": " + msg);
}

struct DomainHandle {
  virDomainPtr d = nullptr;
  ~DomainHandle() {
    if (d) virDomainFree(d);
  }
};

}  // namespace

Hypervisor::Hypervisor(std::string uri, Millis timeout) : uri_(std::move(uri)), timeout_(timeout) {}

Hypervisor::~Hypervisor() {
  if (!worker_.stuck() && conn_) {
    (void)call<Unit>("close", [this]() -> Result<Unit> {
      virConnectClose(as_conn(conn_));
      conn_ = nullptr;
      return Unit{};
    });
  }
}

template <typename T, typename F>
Result<T> Hypervisor::call(const std::string& what, F&& fn) {
  return worker_.run<T>(timeout_, what, std::function<Result<T>()>(std::forward<F>(fn)));
}

template <typename F>
Status Hypervisor::on_domain(const std::string& what, const std::string& name, F&& fn) {
  return call<Unit>(what + " " + name, [this, what, name, fn = std::forward<F>(fn)]() -> Status {
    DomainHandle h;
    h.d = virDomainLookupByName(as_conn(conn_), name.c_str());
    if (!h.d) return last_error(what + " " + name);
    if (fn(h.d) < 0) return last_error(what + " " + name);
    return Unit{};
  });
}

Result<std::unique_ptr<Hypervisor>> Hypervisor::connect(const std::string& uri, Millis call_timeout) {
  silence_libvirt();
  std::unique_ptr<Hypervisor> h(new Hypervisor(uri, call_timeout));
  Hypervisor* self = h.get();
  auto r = h->call<Unit>("connect to " + uri, [self, uri]() -> Status {
    self->conn_ = virConnectOpen(uri.c_str());
    if (!self->conn_) return last_error("connect to " + uri);
    return Unit{};
  });
  if (!r) return r.error();
  return h;
}

Result<DomainState> Hypervisor::state(const std::string& name) {
  return call<DomainState>("state of " + name, [this, name]() -> Result<DomainState> {
    DomainState s;
    DomainHandle h;
    h.d = virDomainLookupByName(as_conn(conn_), name.c_str());
    if (!h.d) {
      virErrorPtr e = virGetLastError();
      if (e && e->code == VIR_ERR_NO_DOMAIN) {
        virResetLastError();
        return s;
      }
      return last_error("look up " + name);
    }
    if (virDomainGetState(h.d, &s.state, &s.reason, 0) < 0) {
      // A transient domain that shut down between lookup and query is gone.
      virErrorPtr e = virGetLastError();
      if (e && e->code == VIR_ERR_NO_DOMAIN) {
        virResetLastError();
        return s;
      }
      return last_error("state of " + name);
    }
    s.exists = true;
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(h.d, uuid) == 0) s.uuid = uuid;
    s.active = virDomainIsActive(h.d) == 1;
    s.persistent = virDomainIsPersistent(h.d) == 1;
    virDomainInfo info;
    if (virDomainGetInfo(h.d, &info) == 0) {
      s.vcpus = info.nrVirtCpu;
      s.max_memory_kib = info.maxMem;
    }
    return s;
  });
}

Status Hypervisor::create_transient(const std::string& xml) {
  return call<Unit>("create domain", [this, xml]() -> Status {
    virDomainPtr d = virDomainCreateXML(as_conn(conn_), xml.c_str(), 0);
    if (!d) return last_error("create domain");
    virDomainFree(d);
    return Unit{};
  });
}

Status Hypervisor::define(const std::string& xml) {
  return call<Unit>("define domain", [this, xml]() -> Status {
    virDomainPtr d = virDomainDefineXML(as_conn(conn_), xml.c_str());
    if (!d) return last_error("define domain");
    virDomainFree(d);
    return Unit{};
  });
}

Status Hypervisor::start_defined(const std::string& name) {
  return on_domain("start", name, [](virDomainPtr d) { return virDomainCreate(d); });
}
Status Hypervisor::shutdown(const std::string& name) {
  return on_domain("shut down", name, [](virDomainPtr d) { return virDomainShutdown(d); });
}
Status Hypervisor::destroy(const std::string& name) {
  return on_domain("destroy", name, [](virDomainPtr d) { return virDomainDestroy(d); });
}
Status Hypervisor::resume(const std::string& name) {
  return on_domain("resume", name, [](virDomainPtr d) { return virDomainResume(d); });
}
Status Hypervisor::suspend(const std::string& name) {
  return on_domain("suspend", name, [](virDomainPtr d) { return virDomainSuspend(d); });
}
Status Hypervisor::save(const std::string& name, const std::string& path) {
  return on_domain("save", name, [path](virDomainPtr d) { return virDomainSave(d, path.c_str()); });
}

Status Hypervisor::restore(const std::string& path) {
  return call<Unit>("restore " + path, [this, path]() -> Status {
    if (virDomainRestore(as_conn(conn_), path.c_str()) < 0) return last_error("restore " + path);
    return Unit{};
  });
}

Result<std::string> Hypervisor::qemu_monitor_command(const std::string& name,
                                                     const std::string& command) {
  return call<std::string>("QEMU monitor of " + name, [this, name, command]() -> Result<std::string> {
    DomainHandle h;
    h.d = virDomainLookupByName(as_conn(conn_), name.c_str());
    if (!h.d) return last_error("look up " + name);
    char* reply = nullptr;
    if (virDomainQemuMonitorCommand(h.d, command.c_str(), &reply, VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT) < 0)
      return last_error("QEMU monitor of " + name);
    std::string out(reply ? reply : "");
    free(reply);
    return out;
  });
}

Result<std::string> Hypervisor::xml(const std::string& name, unsigned flags) {
  return call<std::string>("XML of " + name, [this, name, flags]() -> Result<std::string> {
    DomainHandle h;
    h.d = virDomainLookupByName(as_conn(conn_), name.c_str());
    if (!h.d) return last_error("look up " + name);
    char* x = virDomainGetXMLDesc(h.d, flags);
    if (!x) return last_error("XML of " + name);
    std::string out(x);
    free(x);
    return out;
  });
}

Result<std::optional<std::string>> Hypervisor::metadata(const std::string& name,
                                                        const std::string& ns_uri) {
  using R = std::optional<std::string>;
  return call<R>("metadata of " + name, [this, name, ns_uri]() -> Result<R> {
    DomainHandle h;
    h.d = virDomainLookupByName(as_conn(conn_), name.c_str());
    if (!h.d) return last_error("look up " + name);
    char* m = virDomainGetMetadata(h.d, VIR_DOMAIN_METADATA_ELEMENT, ns_uri.c_str(),
                                   VIR_DOMAIN_AFFECT_CURRENT);
    if (!m) {
      virErrorPtr e = virGetLastError();
      if (e && e->code == VIR_ERR_NO_DOMAIN_METADATA) {
        virResetLastError();
        return R{};
      }
      return last_error("metadata of " + name);
    }
    std::string out(m);
    free(m);
    return R{std::move(out)};
  });
}

Status Hypervisor::set_metadata(const std::string& name, const std::string& element_xml,
                                const std::string& prefix, const std::string& ns_uri,
                                bool also_config) {
  unsigned flags = VIR_DOMAIN_AFFECT_LIVE | (also_config ? VIR_DOMAIN_AFFECT_CONFIG : 0);
  return on_domain("set metadata of", name, [&, flags](virDomainPtr d) {
    return virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, element_xml.c_str(),
                                prefix.c_str(), ns_uri.c_str(), flags);
  });
}

Status Hypervisor::probe_qemu_monitor(const std::string& name,
                                      const std::vector<std::string>& disk_targets) {
  return on_domain("probe QEMU monitor of", name, [disk_targets](virDomainPtr d) {
    virDomainControlInfo ci;
    if (virDomainGetControlInfo(d, &ci, 0) < 0) return -1;
    if (ci.state != VIR_DOMAIN_CONTROL_OK) {
      virResetLastError();
      return -1;
    }
    for (const auto& t : disk_targets) {
      virDomainBlockStatsStruct st;
      if (virDomainBlockStats(d, t.c_str(), &st, sizeof st) < 0) return -1;
    }
    return 0;
  });
}

Status Hypervisor::probe_guest_agent(const std::string& name) {
  return on_domain("probe guest agent of", name, [](virDomainPtr d) {
    long long seconds = 0;
    unsigned int nseconds = 0;
    return virDomainGetTime(d, &seconds, &nseconds, 0);
  });
}

Status Hypervisor::migrate(const std::string& name, const MigrateOptions& o) {
  return on_domain("migrate", name, [&o](virDomainPtr d) {
    virTypedParameterPtr params = nullptr;
    int n = 0, max = 0;
    if (!o.migrate_uri.empty())
      virTypedParamsAddString(&params, &n, &max, VIR_MIGRATE_PARAM_URI, o.migrate_uri.c_str());
    if (o.bandwidth_mib)
      virTypedParamsAddULLong(&params, &n, &max, VIR_MIGRATE_PARAM_BANDWIDTH, o.bandwidth_mib);
    // Best effort: older QEMU accepts the downtime only once migration runs.
    if (o.downtime_ms && virDomainMigrateSetMaxDowntime(d, o.downtime_ms, 0) < 0)
      virResetLastError();
    unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
    if (o.persistent) flags |= VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    int rc = virDomainMigrateToURI3(d, o.dest_uri.c_str(), params, n, flags);
    virTypedParamsFree(params, n);
    return rc;
  });
}

}  // namespace vmha::virt
