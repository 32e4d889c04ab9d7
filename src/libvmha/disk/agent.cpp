#include "libvmha/disk/agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include "libvmha/base/child_worker.h"
#include "libvmha/base/strings.h"
#include "libvmha/disk/power_device.h"

namespace vmha::embedded {
std::string_view fence_vmha_disk_xml();
}

namespace vmha::disk {
namespace {

std::string local_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  std::string s(buf);
  return s.substr(0, std::min(s.size(), kNameMax));
}

std::vector<std::string> problems(const fence::Options& o, fence::Action action) {
  std::vector<std::string> out;
  if (action == fence::Action::kMetadata) return out;
  auto devices = parse_devices(o.get_or("devices", ""));
  if (!devices) {
    out.push_back(devices.error().message);
    return out;
  }
  if (action != fence::Action::kValidateAll) return out;
  for (const std::string& d : *devices) {
    struct stat st {};
    if (stat(d.c_str(), &st) != 0) out.push_back("device " + d + " does not exist; check devices=");
  }
  return out;
}

// The clock the child hands to DiskSet::send: it notes msgwait instead of
// waiting it, and the parent waits it on its own clock once the child has
// answered that a majority took the message (so success still comes only
// after msgwait has passed).
class OwedClock : public Clock {
 public:
  Millis now() const override { return system_clock().now(); }
  int64_t wall_seconds() const override { return system_clock().wall_seconds(); }
  void sleep_for(Millis d) override { owed += d; }
  Millis owed{0};
};

std::string state_text(std::optional<fence::PowerState> s) {
  if (!s) return "?";
  return *s == fence::PowerState::kOn ? "1" : "0";
}

std::optional<fence::PowerState> state_from(char c) {
  if (c == '?') return std::nullopt;
  return c == '1' ? fence::PowerState::kOn : fence::PowerState::kOff;
}

// The child's side: opens the devices on its first request and keeps them,
// so a device whose I/O hung fails fast in later requests of the same run.
// Answers: a state digit (status), msgwait in ms (requests), one line per
// node "<state digit><name>" (list).
class DiskServer {
 public:
  DiskServer(std::vector<std::string> paths, Millis io_timeout, std::string node)
      : paths_(std::move(paths)), io_timeout_(io_timeout), node_(std::move(node)) {}

  Result<std::string> operator()(const std::string& request) {
    if (!device_) {
      auto set = DiskSet::open(paths_, io_timeout_);
      if (!set) return set.error();
      device_ = std::make_unique<DiskPowerDevice>(std::move(*set), node_, local_name(), owed_);
    }
    owed_.owed = Millis(0);
    if (request == "status") {
      auto s = device_->status();
      if (!s) return s.error();
      return state_text(*s);
    }
    if (request == "list" || request == "monitor") {
      auto outlets = device_->list();
      if (!outlets) return outlets.error();
      std::string text;
      for (const fence::Outlet& o : *outlets) text += state_text(o.state) + o.id + "\n";
      return text;
    }
    Status sent = request == "on"    ? device_->power_on()
                  : request == "off" ? device_->power_off()
                                     : device_->power_cycle();
    if (!sent) return sent.error();
    return std::to_string(owed_.owed.count());
  }

 private:
  std::vector<std::string> paths_;
  Millis io_timeout_;
  std::string node_;
  OwedClock owed_;
  std::unique_ptr<DiskPowerDevice> device_;
};

// The parent's side: the agent's disk I/O all happens in a forked child, so
// a device whose I/O hangs in the kernel holds only the child and the agent
// exits at its deadline.
class ForkedDiskDevice : public fence::PowerDevice {
 public:
  ForkedDiskDevice(ChildWorker worker, size_t devices, Millis io_timeout, Clock& clock)
      : worker_(std::move(worker)),
        // Today's bound: each device costs at most one I/O timeout (a device
        // whose I/O hung fails fast afterwards), and a second for the rest.
        budget_(io_timeout * static_cast<int64_t>(devices) + Millis(1000)),
        clock_(&clock) {}

  Result<fence::PowerState> status() override {
    auto r = ask("status");
    if (!r) return r.error();
    return *r == "1" ? fence::PowerState::kOn : fence::PowerState::kOff;
  }
  Status power_on() override { return send("on"); }
  Status power_off() override { return send("off"); }
  Status power_cycle() override { return send("cycle"); }
  Result<std::vector<fence::Outlet>> list() override {
    auto r = ask("list");
    if (!r) return r.error();
    std::vector<fence::Outlet> out;
    for (const std::string& line : split(*r, '\n')) {
      if (!line.empty()) out.push_back({line.substr(1), line.substr(1), state_from(line[0])});
    }
    return out;
  }
  Status monitor() override {
    auto r = ask("monitor");
    if (!r) return r.error();
    return ok_status();
  }

 private:
  Status send(const std::string& request) {
    auto r = ask(request);
    if (!r) return r.error();
    clock_->sleep_for(Millis(std::stoll(*r)));
    return ok_status();
  }

  Result<std::string> ask(const std::string& request) {
    auto r = worker_.call(request, budget_);
    if (!r && r.error().code == Errc::kTimeout) {
      return make_error(Errc::kTimeout, "the sbd devices did not answer " + request + ": " +
                                            r.error().message +
                                            "; a device's I/O hangs (check its paths)");
    }
    return r;
  }

  ChildWorker worker_;
  Millis budget_;
  Clock* clock_;
};

Result<std::unique_ptr<fence::PowerDevice>> make_device(const fence::Options& o,
                                                        const std::optional<std::string>& target,
                                                        Clock& clock) {
  auto devices = parse_devices(o.get_or("devices", ""));
  if (!devices) return devices.error();
  auto io_timeout = o.seconds("io_timeout");
  if (!io_timeout) return io_timeout.error();
  size_t count = devices->size();
  auto server =
      std::make_shared<DiskServer>(std::move(*devices), *io_timeout, target.value_or(""));
  auto worker = ChildWorker::start([server](const std::string& r) { return (*server)(r); });
  if (!worker) return worker.error();
  return std::unique_ptr<fence::PowerDevice>(
      new ForkedDiskDevice(std::move(*worker), count, *io_timeout, clock));
}

}  // namespace

Result<std::vector<std::string>> parse_devices(std::string_view devices) {
  std::vector<std::string> out;
  for (const std::string& d : split(devices, ',')) {
    std::string_view t = trim(d);
    if (!t.empty()) out.emplace_back(t);
  }
  if (out.empty() || out.size() > 3) {
    return make_error(Errc::kInvalidArgument,
                      "devices= must list 1 to 3 sbd devices, separated by commas");
  }
  return out;
}

fence::AgentDef disk_agent() {
  fence::AgentDef def;
  def.metadata_xml = embedded::fence_vmha_disk_xml();
  def.extra_problems = problems;
  def.make_device = make_device;
  def.needs_target = true;
  return def;
}

}  // namespace vmha::disk
