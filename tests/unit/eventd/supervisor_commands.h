// What the Supervisor tests build and look for: domains, events, commands.
#pragma once

#include <libvirt/libvirt.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "libvmha/eventd/supervisor.h"

namespace vmha::eventd {

using K = Command::Kind;

inline virt::DomainSnapshot running(const std::string& name, std::optional<std::string> meta) {
  virt::DomainSnapshot d;
  d.name = name;
  d.state = VIR_DOMAIN_RUNNING;
  d.reason = VIR_DOMAIN_RUNNING_BOOTED;
  d.active = true;
  d.ha_metadata = std::move(meta);
  return d;
}

inline virt::DomainEvent lifecycle(const std::string& name, int event, int detail) {
  virt::DomainEvent e;
  e.kind = virt::EventKind::kLifecycle;
  e.domain = name;
  e.event = event;
  e.detail = detail;
  if (auto s = virt::state_after(event, detail)) {
    e.has_state = true;
    e.state = s->first;
    e.reason = s->second;
  }
  return e;
}

inline std::vector<Command> of(const std::vector<Command>& cs, K kind) {
  std::vector<Command> out;
  std::copy_if(cs.begin(), cs.end(), std::back_inserter(out), [&](const Command& c) { return c.kind == kind; });
  return out;
}

inline std::optional<std::string> attr(const std::vector<Command>& cs, const std::string& name) {
  std::optional<std::string> v;
  for (const auto& c : cs)
    if (c.kind == K::kSetAttr && c.name == name) v = c.value;
  return v;
}

inline bool removes(const std::vector<Command>& cs, const std::string& name) {
  return std::any_of(cs.begin(), cs.end(), [&](const Command& c) { return c.kind == K::kRemoveAttr && c.name == name; });
}

}  // namespace vmha::eventd
