// What vmha-eventd needs to know of the whole cluster to ask for a rescue,
// read from one copy of the CIB: every node's membership, standby,
// maintenance and vmha health attributes, and, for the guests' resources,
// whether Pacemaker may live-migrate them and whether their rescue rule
// exists. Pure parsing; the daemon fetches the CIB (Cib::xml()).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "libvmha/base/result.h"

namespace vmha::cluster {

struct NodeView {
  std::string name;
  bool online = false;       // in the membership and joined to the controller
  bool standby = false;      // permanent or transient standby
  bool maintenance = false;  // Pacemaker's node maintenance, or vmha-maintenance
  std::string storage;       // #health-vmha-storage ("" when unset)
  std::string libvirt;       // #health-vmha-libvirt ("" when unset)
};

struct ResourceView {
  bool found = false;          // a primitive of that id exists
  bool allow_migrate = false;  // its meta attribute, else the resource defaults'
  bool managed = true;         // is-managed, likewise
  std::string parent;          // the group or clone holding it ("": none)
  bool rescue_rule = false;    // the location constraint rescue_rule_xml() makes exists
};

struct ClusterView {
  std::vector<NodeView> nodes;
  std::map<std::string, ResourceView> resources;  // those asked for, by id
  bool maintenance_mode = false;                  // cluster property maintenance-mode
};

// The CIB as `cibadmin -Q` prints it; resources: the ids to report on.
// kInvalidArgument when the text is not a CIB.
Result<ClusterView> parse_cluster_view(std::string_view cib_xml,
                                       const std::vector<std::string>& resources);

// The node attribute a guest's state is published in, and the value that asks
// for its rescue.
std::string guest_attribute(const std::string& resource);
inline constexpr const char* kRescueValue = "rescue";

// The id and XML of the location constraint that keeps resource off the
// node whose guest attribute says "rescue" (-INFINITY there, nothing
// elsewhere): with allow-migrate=true Pacemaker live-migrates it away.
std::string rescue_rule_id(const std::string& resource);
std::string rescue_rule_xml(const std::string& resource);

}  // namespace vmha::cluster
