#include "libvmha/eventd/daemon.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include <libvirt/libvirt.h>

#include "libvmha/base/log.h"
#include "libvmha/cluster/attrd.h"
#include "libvmha/cluster/cib.h"
#include "libvmha/cluster/controld.h"
#include "libvmha/cluster/quorum.h"
#include "libvmha/eventd/cluster_link.h"
#include "libvmha/eventd/journal_sink.h"
#include "libvmha/eventd/loop.h"
#include "libvmha/eventd/query_server.h"
#include "libvmha/eventd/storage_watch.h"
#include "libvmha/eventd/supervisor.h"
#include "libvmha/eventd/worker.h"
#include "libvmha/virt/event_source.h"
#include "libvmha/virt/hypervisor.h"
#include "libvmha/vm/ha_record.h"

namespace vmha::eventd {
namespace {

constexpr Millis kCallTimeout{5000};

std::string uname_node() {
  utsname u{};
  uname(&u);
  return u.nodename;
}

// The means by which an action was carried out, for the journal.
const char* how_of(Command::Kind k) {
  switch (k) {
    case Command::Kind::kResume: return "virDomainResume";
    case Command::Kind::kPause: return "virDomainSuspend";
    case Command::Kind::kDestroy: return "virDomainDestroy";
    case Command::Kind::kRecordPauseTime: return "virDomainSetMetadata";
    case Command::Kind::kFailResource: return "controller fail request";
    case Command::Kind::kMarkStopped: return "CIB target-role";
    case Command::Kind::kCreateRescueRule: return "CIB location constraint";
    default: return "";
  }
}

bool file_exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

}  // namespace

struct Daemon::Impl {
  Options opt;
  Loop loop{system_clock()};
  JournalSink journal;
  std::unique_ptr<Supervisor> sup;
  cluster::AttrWriter attrs;
  cluster::QuorumWatcher quorum;
  std::unique_ptr<virt::EventSource> events;
  std::unique_ptr<StorageWatch> storage;
  std::unique_ptr<QueryServer> queries;
  Worker guest_worker{"vmha-guests"};
  ClusterLink cluster{cluster_calls()};
  std::unique_ptr<virt::Hypervisor> hv;  // guest_worker's thread only
  Millis quorum_backoff{500};
  bool wanted_view = false;
  Millis view_asked_at{0};

  explicit Impl(Options o) : opt(std::move(o)), journal(opt), quorum([this](bool q) { on_quorum(q); }) {}

  bool agent_is_stopping(const std::string& rsc) const {
    return file_exists(opt.run_dir + "/VirtualMachine/" + rsc + ".stopping");
  }

  int64_t wall_s() { return loop.clock().wall_seconds(); }

  void execute(const std::vector<Command>& cs) {
    for (const Command& c : cs) {
      switch (c.kind) {
        case Command::Kind::kSetAttr:
          if (opt.debug) log::debug("attribute " + c.name + "=" + c.value);
          attrs.set(c.name, c.value);
          journal.record(history::Kind::kState, opt.node, c.name + "=" + c.value, "attrd", "", "");
          break;
        case Command::Kind::kRemoveAttr:
          if (opt.debug) log::debug("attribute " + c.name + " removed");
          attrs.remove(c.name);
          journal.record(history::Kind::kState, opt.node, c.name + " removed", "attrd", "", "");
          break;
        case Command::Kind::kJournal:
          log::info(c.domain + ": " + c.name + (c.value.empty() ? "" : " (" + c.value + ")"));
          journal.record(history::Kind::kDetection, c.domain, c.name, "vmha-eventd", "", c.value);
          break;
        case Command::Kind::kResume:
        case Command::Kind::kPause:
        case Command::Kind::kDestroy:
        case Command::Kind::kRecordPauseTime:
          guest_worker.submit([this, c] { guest_action(c); });
          break;
        case Command::Kind::kFailResource:
          cluster.fail_resource(c.resource, [this, c](Status s) { report_action(c, s); });
          break;
        case Command::Kind::kMarkStopped:
          cluster.mark_stopped(c.resource, [this, c](Status s) { report_action(c, s); });
          break;
        case Command::Kind::kCreateRescueRule:
          cluster.create_rescue_rule(c.resource, [this, c](Status s) {
            report_action(c, s);
            // The rule shows in the next read: take it now.
            loop.post([this] { poll_view(true); });
          });
          break;
      }
    }
    poll_view(false);
  }

  // Reads the CIB for rescue decisions while the supervisor wants it: at
  // once when it starts wanting it (a guest just paused on red storage) or
  // when told to, else at most once a second.
  void poll_view(bool now_please) {
    if (!sup || !sup->wants_cluster_view()) {
      wanted_view = false;
      return;
    }
    Millis t = loop.clock().now();
    bool due = now_please || !wanted_view || t - view_asked_at >= Millis(1000);
    wanted_view = true;
    if (!due) return;
    if (cluster.poll_view(sup->rescue_resources(), [this](std::optional<cluster::ClusterView> v) {
          loop.post([this, v = std::move(v)] {
            execute(sup->on_cluster_view(v, wall_s(), loop.clock().now()));
          });
        }))
      view_asked_at = t;
  }

  // Runs on guest_worker: every call bounded by kCallTimeout.
  Status with_hv(const std::function<Status(virt::Hypervisor&)>& fn) {
    if (!hv || hv->hung()) {
      hv.reset();
      auto h = virt::Hypervisor::connect(opt.uri, kCallTimeout);
      if (!h) return h.error();
      hv = std::move(*h);
    }
    Status s = fn(*hv);
    // A restarted or dead libvirtd leaves the connection useless: reconnect
    // on the next call.
    if (!s && (s.error().code == Errc::kUnreachable || s.error().code == Errc::kTimeout)) hv.reset();
    return s;
  }

  void guest_action(const Command& c) {
    Status s = with_hv([&](virt::Hypervisor& h) -> Status {
      switch (c.kind) {
        case Command::Kind::kResume: return h.resume(c.domain);
        case Command::Kind::kPause: return h.suspend(c.domain);
        case Command::Kind::kDestroy: return h.destroy(c.domain);
        case Command::Kind::kRecordPauseTime: {
          auto rec = vm::read_ha_policy(h, c.domain);
          if (!rec) return rec.error();
          if (!*rec) return Unit{};
          virt::HaPolicy p = **rec;
          if (p.paused_since != 0) return Unit{};
          p.paused_since = c.paused_since;
          return vm::write_ha_policy(h, c.domain, p, false);
        }
        default: return Unit{};
      }
    });
    report_action(c, s);
  }

  ClusterCalls cluster_calls() {
    ClusterCalls calls;
    calls.fail_resource = [this](const std::string& rsc) {
      return cluster::fail_resource(rsc, opt.node, "ocf", "vmha", "VirtualMachine", kCallTimeout);
    };
    calls.mark_stopped = [](const std::string& rsc) -> Status {
      auto cib = cluster::Cib::connect();
      if (!cib) return cib.error();
      if (auto w = cib->set(rsc, cluster::AttrSet::kMeta, "target-role", "Stopped"); !w) return w.error();
      return Unit{};
    };
    calls.query_maintenance = [] {
      return cluster::AttrWriter::query(kMaintenanceAttr, "localhost", kCallTimeout);
    };
    calls.create_rescue_rule = [](const std::string& rsc) -> Status {
      auto cib = cluster::Cib::connect();
      if (!cib) return cib.error();
      if (auto c = cib->create("constraints", cluster::rescue_rule_xml(rsc)); !c) return c.error();
      return Unit{};
    };
    calls.read_view = [](const std::vector<std::string>& resources) -> Result<cluster::ClusterView> {
      auto cib = cluster::Cib::connect();
      if (!cib) return cib.error();
      auto xml = cib->xml();
      if (!xml) return xml.error();
      return cluster::parse_cluster_view(*xml, resources);
    };
    return calls;
  }

  void report_action(const Command& c, const Status& s) {
    std::string what = std::string(to_string(c.kind)) + (c.resource.empty() ? "" : " " + c.resource);
    std::string outcome = s ? "ok" : s.error().message;
    if (c.kind == Command::Kind::kRecordPauseTime && s) return;  // bookkeeping, not an action
    (s ? log::info : log::warning)(c.domain + ": " + what + ": " + outcome);
    journal.record(history::Kind::kAction, c.domain, what, how_of(c.kind), outcome, c.value);
  }

  // Reads a domain's HA policy on the guest worker and hands it to the
  // supervisor; called when libvirt reports that the agent (re)wrote it.
  void refresh_policy(const std::string& domain, int tries = 5) {
    guest_worker.submit([this, domain, tries] {
      std::optional<virt::HaPolicy> policy;
      Status s = with_hv([&](virt::Hypervisor& h) -> Status {
        auto rec = vm::read_ha_policy(h, domain);
        if (!rec) return rec.error();
        policy = *rec;
        return Unit{};
      });
      if (!s) {
        // A connection that died with a restarted libvirtd is reopened on
        // the next call: try again shortly.
        log::warning("cannot read the HA policy of " + domain + ": " + s.error().message);
        if (tries > 1)
          loop.post([this, domain, tries] {
            loop.after(Millis(200), [this, domain, tries] { refresh_policy(domain, tries - 1); });
          });
        return;
      }
      if (policy) log::info(domain + " is HA: resource " + policy->resource);
      loop.post([this, domain, policy] { execute(sup->on_policy(domain, policy, wall_s())); });
    });
  }

  void on_quorum(bool quorate) { execute(sup->on_quorum(quorate)); }

  void connect_quorum() {
    if (auto s = quorum.connect(); !s) {
      // Not connected counts as not quorate: a node cut off from corosync
      // must behave as a minority.
      execute(sup->on_quorum(false));
      loop.after(quorum_backoff, [this] { connect_quorum(); });
      quorum_backoff = std::min(quorum_backoff * 2, Millis(5000));
      return;
    }
    quorum_backoff = Millis(500);
    int fd = quorum.fd();
    loop.watch_fd(fd, [this, fd] {
      // dispatch() disconnects on failure, after which fd() is -1.
      if (auto s = quorum.dispatch(); !s) {
        loop.unwatch_fd(fd);
        log::warning("corosync quorum: " + s.error().message);
        connect_quorum();
      }
    });
    execute(sup->on_quorum(quorum.quorate()));
  }

  void poll_maintenance() {
    cluster.poll_maintenance([this](bool on) {
      loop.post([this, on] { execute(sup->on_maintenance(on)); });
    });
  }

  Status init() {
    if (opt.node.empty()) {
      auto n = cluster::local_node_name(kCallTimeout);
      opt.node = n ? *n : uname_node();
    }
    log::info("vmha-eventd on node " + opt.node + ", libvirt " + opt.uri);
    VMHA_TRY(journal.open());
    SupervisorOptions so;
    so.node = opt.node;
    so.isolation = opt.isolation;
    so.libvirt_grace = opt.libvirt_grace;
    so.heartbeat_configured = !opt.heartbeat_paths.empty();
    so.agent_is_stopping = [this](const std::string& rsc) { return agent_is_stopping(rsc); };
    sup = std::make_unique<Supervisor>(so);
    virt::EventSourceOptions eo;
    eo.uri = opt.uri;
    events = std::make_unique<virt::EventSource>(eo, [this](virt::DomainEvent e) {
      loop.post([this, e = std::move(e)] {
        // A start or reload of the agent rewrote the policy: read it again.
        if (e.kind == virt::EventKind::kMetadata) refresh_policy(e.domain);
        execute(sup->on_event(e, wall_s(), loop.clock().now()));
      });
    });
    VMHA_TRY(events->start());
    storage = std::make_unique<StorageWatch>(opt, loop, journal, [this](policy::Health h) {
      execute(sup->on_storage_health(h));
    }, [this] { return sup->quorate(); });
    VMHA_TRY(storage->start());
    queries = std::make_unique<QueryServer>(
        loop, opt.run_dir + "/eventd.sock",
        [this](const std::string& uri, const std::string& dom) {
          return uri == opt.uri ? sup->state_of(dom) : std::string("unknown");
        },
        [this](const std::vector<std::string>& f) {
          // The resource agent's rows (a rescue's steps): kind, subject,
          // what, how, outcome, detail.
          auto kind = history::parse_kind(f[0]);
          if (!kind || f[1].empty() || f[2].empty()) return false;
          journal.record(*kind, f[1], f[2], f[3], f[4], f[5]);
          return true;
        });
    mkdir(opt.run_dir.c_str(), 0755);
    VMHA_TRY(queries->start());
    connect_quorum();
    loop.every(Millis(500), [this] { execute(sup->tick(wall_s(), loop.clock().now())); });
    loop.every(opt.maintenance_poll, [this] { poll_maintenance(); });
    poll_maintenance();
    return Unit{};
  }
};

Daemon::Daemon(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Daemon::~Daemon() = default;

Status Daemon::run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return make_error(Errc::kInternal, "signalfd failed");
  Impl& d = *impl_;
  d.loop.watch_fd(sfd, [&d, sfd] {
    signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si) {
      log::info(std::string("stopping on ") + strsignal(static_cast<int>(si.ssi_signo)));
      d.loop.stop();
    }
  });
  if (auto s = d.init(); !s) {
    close(sfd);
    return s;
  }
  if (!d.opt.pidfile.empty()) std::ofstream(d.opt.pidfile) << getpid() << "\n";
  d.journal.record(history::Kind::kState, d.opt.node, "vmha-eventd started", "", "", "");
  d.loop.run();
  d.journal.record(history::Kind::kState, d.opt.node, "vmha-eventd stopped", "", "", "");
  d.events->stop();
  d.storage->stop();
  d.attrs.wait_idle(Millis(2000));
  if (!d.opt.pidfile.empty()) unlink(d.opt.pidfile.c_str());
  close(sfd);
  return Unit{};
}

}  // namespace vmha::eventd
