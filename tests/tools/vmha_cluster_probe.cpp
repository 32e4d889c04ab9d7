// vmha_cluster_probe: drives libvmha's cluster clients (AttrWriter, the
// controller's fail request, QuorumWatcher) from inside a cluster host, for
// the integration tests and for timing them. Output is one fact per line.
//
//   set NAME VALUE [NAME VALUE]...  one writer; waits until attrd acked all
//   remove NAME                     deletes the attribute on this node
//   query NAME [NODE]               prints "value V" or "unset"
//   writer                          commands on stdin, one per line:
//                                     set NAME VALUE | remove NAME |
//                                     wait-idle MS | stats | quit
//                                   first "ready pid PID" (its PID inside the host);
//                                   acks print as "ack NAME VALUE LATENCY_US new|resend"
//   bench-ack COUNT                 COUNT set()s each waited for; set->ack percentiles
//   fail RSC NODE CLASS PROVIDER TYPE [TIMEOUT_MS]   NODE "-": this node
//   node-name                       this node's cluster name
//   quorum-watch SECONDS            "watching pid PID", then the state after each
//                                   connect and on each change:
//                                   "quorate 1|0 members N at EPOCH_SECONDS"
//
// Exit codes: 0 done, 1 the operation failed or timed out, 2 bad usage.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/log.h"
#include "libvmha/base/strings.h"
#include "libvmha/cluster/attrd.h"
#include "libvmha/cluster/controld.h"
#include "libvmha/cluster/quorum.h"

namespace {

using vmha::Millis;
using vmha::cluster::AttrAck;
using vmha::cluster::AttrWriter;

std::mutex out_mu;

void say(const std::string& line) {
  std::lock_guard lock(out_mu);
  std::cout << line << std::endl;
}

double epoch_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Seconds since the epoch with milliseconds, comparable to Python's time.time().
std::string epoch_text(double t = epoch_now()) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}

int usage() {
  std::cerr
      << "usage: vmha_cluster_probe set NAME VALUE... | remove NAME | query NAME [NODE] |\n"
         "       writer | bench-ack COUNT | fail RSC NODE CLASS PROVIDER TYPE [TIMEOUT_MS] |\n"
         "       node-name | quorum-watch SECONDS\n";
  return 2;
}

void print_ack(const AttrAck& a) {
  say("ack " + a.name + " " + (a.value ? *a.value : "-") + " " +
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(a.latency).count()) +
      " " + (a.resend ? "resend" : "new"));
}

AttrWriter::Options printing_options() {
  AttrWriter::Options o;
  o.on_ack = print_ack;
  return o;
}

int cmd_set(const std::vector<std::string>& args) {
  if (args.empty() || args.size() % 2 != 0) return usage();
  AttrWriter w(printing_options());
  for (size_t i = 0; i < args.size(); i += 2) w.set(args[i], args[i + 1]);
  if (!w.wait_idle(Millis(10000))) {
    std::cerr << "vmha_cluster_probe: pacemaker-attrd did not acknowledge within 10 s\n";
    return 1;
  }
  return 0;
}

int cmd_remove(const std::vector<std::string>& args) {
  if (args.size() != 1) return usage();
  AttrWriter w(printing_options());
  w.remove(args[0]);
  return w.wait_idle(Millis(10000)) ? 0 : 1;
}

int cmd_query(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) return usage();
  auto r = AttrWriter::query(args[0], args.size() == 2 ? args[1] : "localhost");
  if (!r) {
    std::cerr << "vmha_cluster_probe: " << r.error().message << "\n";
    return 1;
  }
  say(r->has_value() ? "value " + **r : "unset");
  return 0;
}

std::string stats_line(const AttrWriter& w) {
  auto s = w.stats();
  std::ostringstream o;
  o << "stats sets=" << s.sets << " coalesced=" << s.coalesced << " sent=" << s.sent
    << " acked=" << s.acked << " failed=" << s.failed << " connects=" << s.connects
    << " resends=" << s.resends << " connected=" << (w.connected() ? 1 : 0);
  return o.str();
}

int cmd_writer() {
  AttrWriter w(printing_options());
  say("ready pid " + std::to_string(getpid()));
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string op, name, value;
    in >> op;
    if (op == "set" && in >> name >> value) {
      w.set(name, value);
    } else if (op == "remove" && in >> name) {
      w.remove(name);
    } else if (op == "wait-idle" && in >> value) {
      auto ms = vmha::parse_int(value);
      say(w.wait_idle(Millis(ms ? *ms : 0)) ? "idle" : "busy");
    } else if (op == "stats") {
      say(stats_line(w));
    } else if (op == "quit") {
      break;
    } else if (!op.empty()) {
      say("error unknown command: " + line);
    }
  }
  return 0;
}

int cmd_bench_ack(const std::vector<std::string>& args) {
  if (args.size() != 1) return usage();
  auto count = vmha::parse_int(args[0]);
  if (!count || *count < 1) return usage();
  std::mutex mu;
  std::vector<int64_t> latencies;
  AttrWriter::Options o;
  o.on_ack = [&](const AttrAck& a) {
    std::lock_guard lock(mu);
    latencies.push_back(std::chrono::duration_cast<std::chrono::microseconds>(a.latency).count());
  };
  AttrWriter w(o);
  for (int i = 0; i < *count; ++i) {
    w.set("vmha-bench-ack", std::to_string(i));
    if (!w.wait_idle(Millis(10000))) {
      std::cerr << "vmha_cluster_probe: no acknowledgement within 10 s\n";
      return 1;
    }
  }
  w.remove("vmha-bench-ack");
  w.wait_idle(Millis(10000));
  std::lock_guard lock(mu);
  latencies.resize(static_cast<size_t>(*count));
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))];
  };
  say("set-to-ack n=" + std::to_string(latencies.size()) + " p50_us=" + std::to_string(pct(0.5)) +
      " p99_us=" + std::to_string(pct(0.99)) + " max_us=" + std::to_string(latencies.back()));
  return 0;
}

int cmd_fail(const std::vector<std::string>& args) {
  if (args.size() < 5 || args.size() > 6) return usage();
  long timeout_ms = 10000;
  if (args.size() == 6) {
    auto t = vmha::parse_int(args[5]);
    if (!t || *t <= 0) return usage();
    timeout_ms = *t;
  }
  std::string node = args[1];
  if (node == "-") {
    auto n = vmha::cluster::local_node_name(Millis(timeout_ms));
    if (!n) {
      std::cerr << "vmha_cluster_probe: " << n.error().message << "\n";
      return 1;
    }
    node = *n;
  }
  std::string provider = args[3] == "-" ? "" : args[3];
  auto begin = std::chrono::steady_clock::now();
  double at = epoch_now();
  auto st =
      vmha::cluster::fail_resource(args[0], node, args[2], provider, args[4], Millis(timeout_ms));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  begin)
                .count();
  if (!st) {
    std::cerr << "vmha_cluster_probe: " << st.error().message << " ["
              << vmha::errc_name(st.error().code) << "]\n";
    return 1;
  }
  say("failed " + args[0] + " on " + node + " at " + epoch_text(at) + " in_us " +
      std::to_string(us));
  return 0;
}

int cmd_node_name() {
  auto n = vmha::cluster::local_node_name(Millis(10000));
  if (!n) {
    std::cerr << "vmha_cluster_probe: " << n.error().message << "\n";
    return 1;
  }
  say(*n);
  return 0;
}

// Reconnects with a backoff when corosync goes away, as vmha-eventd will.
int cmd_quorum_watch(const std::vector<std::string>& args) {
  if (args.size() != 1) return usage();
  auto seconds = vmha::parse_int(args[0]);
  if (!seconds || *seconds < 0) return usage();
  std::unique_ptr<vmha::cluster::QuorumWatcher> w;
  bool connecting = false;
  auto print = [&](bool q) {
    say("quorate " + std::to_string(q ? 1 : 0) + " members " + std::to_string(w->members()) +
        " at " + epoch_text());
  };
  // connect() reports a change from "not connected"; the state after each
  // connect is printed once below instead, whatever it is.
  w = std::make_unique<vmha::cluster::QuorumWatcher>([&](bool q) {
    if (!connecting) print(q);
  });
  say("watching pid " + std::to_string(getpid()));
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(*seconds);
  Millis backoff(100);
  while (std::chrono::steady_clock::now() < end) {
    if (!w->connected()) {
      connecting = true;
      auto st = w->connect();
      connecting = false;
      if (!st) {
        say("disconnected " + st.error().message + " at " + epoch_text());
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, Millis(2000));
        continue;
      }
      backoff = Millis(100);
      print(w->quorate());
    }
    auto left = std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
    pollfd p{w->fd(), POLLIN, 0};
    int wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1000));
    if (poll(&p, 1, wait_ms) > 0) {
      auto st = w->dispatch();
      if (!st) say("disconnected " + st.error().message + " at " + epoch_text());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  vmha::log::init("vmha_cluster_probe");
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "set") return cmd_set(args);
  if (cmd == "remove") return cmd_remove(args);
  if (cmd == "query") return cmd_query(args);
  if (cmd == "writer" && args.empty()) return cmd_writer();
  if (cmd == "bench-ack") return cmd_bench_ack(args);
  if (cmd == "fail") return cmd_fail(args);
  if (cmd == "node-name" && args.empty()) return cmd_node_name();
  if (cmd == "quorum-watch") return cmd_quorum_watch(args);
  return usage();
}
