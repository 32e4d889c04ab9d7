#include "libvmha/disk/disk_set.h"

#include <algorithm>
#include <map>

#include "libvmha/base/log.h"

namespace vmha::disk {
namespace {

void note(std::vector<Error>& failures, const Error& e) { failures.push_back(e); }

}  // namespace

Result<DiskSet> DiskSet::open(const std::vector<std::string>& paths, Millis io_timeout) {
  std::vector<SbdDisk> disks;
  std::vector<Error> failures;
  for (const std::string& p : paths) {
    auto d = SbdDisk::open(p, io_timeout);
    if (d) {
      disks.push_back(std::move(*d));
    } else {
      note(failures, d.error());
    }
  }
  DiskSet set(std::move(disks), paths.size());
  VMHA_TRY(set.enough(set.disks_.size(), failures, "usable"));
  return set;
}

// With a majority the run goes on and each failed device is a warning;
// without one, the failure is the error (a lone device's error as it is).
Status DiskSet::enough(size_t ok, const std::vector<Error>& failures,
                       const std::string& what) const {
  if (ok >= majority()) {
    for (const Error& e : failures) log::warning("device left out: " + e.message);
    return ok_status();
  }
  if (configured_ == 1 && failures.size() == 1) return failures.front();
  std::string msg = "only " + std::to_string(ok) + " of " + std::to_string(configured_) +
                    " sbd devices " + what + " (a majority, " + std::to_string(majority()) +
                    ", is needed)";
  if (!failures.empty())
    return make_error(failures.front().code, msg + ": " + failures.front().message);
  return make_error(Errc::kUnreachable, msg);
}

Millis DiskSet::msgwait() const {
  uint32_t s = 0;
  for (const SbdDisk& d : disks_) s = std::max(s, d.header().timeout_msgwait);
  return Millis(static_cast<int64_t>(s) * 1000);
}

Status DiskSet::send(const std::string& node, Command command, const std::string& sender,
                     Clock& clock) {
  size_t ok = 0;
  std::vector<Error> failures;
  for (SbdDisk& d : disks_) {
    auto slot = d.find_or_allocate(node);
    Status written = slot ? d.write_mailbox(*slot, {static_cast<uint8_t>(command), sender})
                          : Status(slot.error());
    if (written) {
      ++ok;
    } else {
      note(failures, written.error());
    }
  }
  VMHA_TRY(
      enough(ok, failures,
             "took the " + command_name(static_cast<uint8_t>(command)) + " message for " + node));
  clock.sleep_for(msgwait());
  return ok_status();
}

Result<uint8_t> DiskSet::read_command(const std::string& node) {
  auto all = list();
  if (!all) return all.error();
  for (const NodeMessage& m : *all) {
    if (m.node != node) continue;
    if (m.command) return *m.command;
    return make_error(Errc::kNotFound,
                      "the sbd devices disagree about node " + node + "'s mailbox");
  }
  return make_error(Errc::kNotFound, "node " + node +
                                         " has no slot on a majority of the sbd "
                                         "devices (its sbd never started there?); "
                                         "check plug");
}

Result<std::vector<NodeMessage>> DiskSet::list() {
  std::vector<std::string> order;
  std::map<std::string, std::map<uint8_t, size_t>> votes;
  std::map<std::string, size_t> seen;
  size_t answered = 0;
  std::vector<Error> failures;
  for (SbdDisk& d : disks_) {
    auto slots = d.slots();
    if (!slots) {
      note(failures, slots.error());
      continue;
    }
    ++answered;
    for (const Slot& s : *slots) {
      if (seen[s.name]++ == 0) order.push_back(s.name);
      ++votes[s.name][s.mailbox.command];
    }
  }
  VMHA_TRY(enough(answered, failures, "answered"));
  std::vector<NodeMessage> out;
  for (const std::string& node : order) {
    if (seen[node] < majority()) continue;
    NodeMessage nm{node, std::nullopt};
    for (const auto& [command, n] : votes[node]) {
      if (n >= majority()) nm.command = command;
    }
    out.push_back(std::move(nm));
  }
  return out;
}

}  // namespace vmha::disk
