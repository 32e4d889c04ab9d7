#include "libvmha/disk/pill_watcher.h"

#include "libvmha/base/log.h"

namespace vmha::disk {
namespace {

bool known(uint8_t command) { return command <= static_cast<uint8_t>(Command::kCrashdump); }

// Which command wins when devices disagree: a fencing request on any device
// is obeyed, as sbd's watchers each obey their own device.
int urgency(uint8_t command) {
  switch (static_cast<Command>(command)) {
    case Command::kOff:
      return 5;
    case Command::kReset:
      return 4;
    case Command::kCrashdump:
      return 3;
    case Command::kTest:
      return 2;
    case Command::kExit:
      return 1;
    case Command::kClear:
      return 0;
  }
  return 1;
}

}  // namespace

policy::Pill pill_of(uint8_t command) {
  if (!known(command)) return policy::Pill::kOther;
  switch (static_cast<Command>(command)) {
    case Command::kClear:
      return policy::Pill::kClear;
    case Command::kTest:
      return policy::Pill::kTest;
    case Command::kReset:
      return policy::Pill::kReset;
    case Command::kOff:
      return policy::Pill::kOff;
    case Command::kCrashdump:
      return policy::Pill::kReset;
    case Command::kExit:
      return policy::Pill::kOther;
  }
  return policy::Pill::kOther;
}

Result<PillWatcher> PillWatcher::create(std::vector<std::string> paths, std::string node,
                                        Millis io_timeout) {
  if (paths.empty() || paths.size() > 3) {
    return make_error(
        Errc::kInvalidArgument,
        "the poison-pill watcher takes 1 to 3 sbd devices, not " + std::to_string(paths.size()));
  }
  if (node.empty() || node.size() > kNameMax) {
    return make_error(Errc::kInvalidArgument, "node name '" + node + "' must have 1 to " +
                                                  std::to_string(kNameMax) + " characters");
  }
  std::vector<Device> devices;
  for (std::string& p : paths) devices.emplace_back(std::move(p));
  return PillWatcher(std::move(devices), std::move(node), io_timeout);
}

std::optional<Header> PillWatcher::header() const {
  for (const Device& d : devices_) {
    if (d.disk) return d.disk->header();
  }
  return std::nullopt;
}

Status PillWatcher::read_device(Device& d, MailboxReading& out) {
  if (!d.disk) {
    if (!d.opened) {
      auto opened = BlockDevice::open(d.path, io_timeout_);
      if (!opened) return opened.error();
      d.opened = std::move(*opened);
    }
    auto loaded = SbdDisk::load(*d.opened);
    if (!loaded) return loaded.error();
    d.disk = std::move(*loaded);
    d.opened.reset();
  }
  auto slots = d.disk->slots();
  if (!slots) return slots.error();
  std::optional<Slot> mine;
  for (Slot& s : *slots) {
    if (s.name == node_) mine = std::move(s);
  }
  if (!mine) {
    // First contact, or the device was formatted again meanwhile: take a
    // slot, as sbd's watcher does when it starts.
    auto slot = d.disk->find_or_allocate(node_);
    if (!slot) return slot.error();
    auto mailbox = d.disk->read_mailbox(*slot);
    if (!mailbox) return mailbox.error();
    mine = Slot{*slot, node_, *mailbox};
  }
  out.slot = mine->index;
  out.command = mine->mailbox.command;
  out.sender = mine->mailbox.from;
  bool acknowledge = out.command == static_cast<uint8_t>(Command::kTest) || !known(out.command);
  if (!d.started || acknowledge) {
    VMHA_TRY(d.disk->write_mailbox(mine->index, Mailbox{}));
    if (!d.started && out.command != 0) {
      log::warning(d.path + ": slot " + std::to_string(out.slot) + " of " + node_ + " held '" +
                   command_name(out.command) + "' from '" + out.sender +
                   "' at start; cleared it, as sbd does");
    }
  }
  if (!d.started) {
    // What was there before this watcher started is history, not a request.
    out.command = 0;
    out.sender.clear();
    d.started = true;
  }
  return ok_status();
}

PillReading PillWatcher::read() {
  PillReading r;
  r.configured = devices_.size();
  int best = -1;
  for (Device& d : devices_) {
    MailboxReading m;
    m.path = d.path;
    Status s = read_device(d, m);
    if (!s) {
      m.error = s.error();
      // A stuck device serves again once its I/O returns; any other failure
      // (header gone, device replaced) is retried on a fresh open.
      if (s.error().code != Errc::kTimeout) {
        d.disk.reset();
        d.opened.reset();
      }
    } else {
      ++r.readable;
      if (urgency(m.command) > best) {
        best = urgency(m.command);
        r.pill = pill_of(m.command);
        r.command = m.command;
        r.sender = m.sender;
        r.device = d.path;
      }
    }
    r.devices.push_back(std::move(m));
  }
  r.disk_ok = r.readable >= r.configured / 2 + 1;
  return r;
}

}  // namespace vmha::disk
