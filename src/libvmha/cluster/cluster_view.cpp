#include "libvmha/cluster/cluster_view.h"

#include <cstring>
#include <optional>

#include "libvmha/base/strings.h"
#include "libvmha/base/xml.h"

namespace vmha::cluster {
namespace {

bool named(const xmlNode* n, const char* tag) {
  return n && n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), tag) == 0;
}

std::vector<xmlNode*> children(xmlNode* parent, const char* tag) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (named(c, tag)) out.push_back(c);
  return out;
}

xmlNode* child(xmlNode* parent, const char* tag) {
  auto c = children(parent, tag);
  return c.empty() ? nullptr : c.front();
}

// Pacemaker's true: "true", "on", "yes", "y", "1" in any case.
bool is_true(const std::string& v) {
  std::string s = to_lower(v);
  return s == "true" || s == "on" || s == "yes" || s == "y" || s == "1";
}

// Name -> value of the nvpairs in every `set_tag` child of parent (later sets
// do not override earlier ones, as for Pacemaker's sets without scores).
std::map<std::string, std::string> nvpairs(xmlNode* parent, const char* set_tag) {
  std::map<std::string, std::string> out;
  for (xmlNode* set : children(parent, set_tag))
    for (xmlNode* nv : children(set, "nvpair"))
      out.emplace(xml_prop(nv, "name"), xml_prop(nv, "value"));
  return out;
}

std::optional<std::string> lookup(const std::map<std::string, std::string>& m,
                                  const std::string& k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// crmd and in_ccm are "online"/"true" up to Pacemaker 2.1.6 and join times
// (seconds, 0 for gone) from 2.1.7 on.
bool member(const std::string& v, const char* word) {
  if (v == word) return true;
  auto n = parse_int(v);
  return n && *n > 0;
}

void find_primitives(xmlNode* n, const std::string& parent,
                     std::map<std::string, std::pair<xmlNode*, std::string>>& out) {
  for (xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (named(c, "primitive"))
      out[xml_prop(c, "id")] = {c, parent};
    else if (named(c, "group") || named(c, "clone") || named(c, "master") || named(c, "bundle"))
      find_primitives(c, xml_prop(c, "id"), out);
  }
}

bool is_rescue_rule(xmlNode* loc, const std::string& rsc) {
  if (xml_prop(loc, "rsc") != rsc) return false;
  if (xml_prop(loc, "id") == rescue_rule_id(rsc)) return true;
  // An equivalent rule written by the administrator counts too.
  for (xmlNode* rule : children(loc, "rule")) {
    auto exprs = children(rule, "expression");
    if (xml_prop(rule, "score") == "-INFINITY" && exprs.size() == 1 &&
        xml_prop(exprs[0], "attribute") == guest_attribute(rsc) &&
        xml_prop(exprs[0], "operation") == "eq" && xml_prop(exprs[0], "value") == kRescueValue)
      return true;
  }
  return false;
}

}  // namespace

std::string guest_attribute(const std::string& resource) { return "vmha-guest-" + resource; }
std::string rescue_rule_id(const std::string& resource) { return "vmha-rescue-" + resource; }

std::string rescue_rule_xml(const std::string& resource) {
  std::string id = xml_escape(rescue_rule_id(resource));
  return "<rsc_location id=\"" + id + "\" rsc=\"" + xml_escape(resource) + "\"><rule id=\"" + id +
         "-rule\" score=\"-INFINITY\"><expression id=\"" + id + "-expr\" attribute=\"" +
         xml_escape(guest_attribute(resource)) + "\" operation=\"eq\" value=\"" + kRescueValue +
         "\"/></rule></rsc_location>";
}

Result<ClusterView> parse_cluster_view(std::string_view cib_xml,
                                       const std::vector<std::string>& resources) {
  XmlDoc doc = parse_xml(cib_xml, "cib.xml");
  xmlNode* cib = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (!named(cib, "cib"))
    return make_error(Errc::kInvalidArgument, "the CIB read is not a <cib> document");
  ClusterView v;
  xmlNode* conf = child(cib, "configuration");
  xmlNode* status = child(cib, "status");
  auto props = nvpairs(child(conf, "crm_config"), "cluster_property_set");
  v.maintenance_mode = is_true(lookup(props, "maintenance-mode").value_or(""));

  std::map<std::string, NodeView> by_id;
  std::vector<std::string> order;
  for (xmlNode* n : children(child(conf, "nodes"), "node")) {
    if (!xml_prop(n, "type").empty() && xml_prop(n, "type") != "member") continue;  // remote, ping
    std::string id = xml_prop(n, "id");
    NodeView& nv = by_id[id];
    nv.name = xml_prop(n, "uname");
    auto attrs = nvpairs(n, "instance_attributes");
    nv.standby = is_true(lookup(attrs, "standby").value_or(""));
    nv.maintenance = is_true(lookup(attrs, "maintenance").value_or(""));
    order.push_back(id);
  }
  for (xmlNode* s : children(status, "node_state")) {
    std::string id = xml_prop(s, "id");
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    NodeView& nv = it->second;
    nv.online = member(xml_prop(s, "in_ccm"), "true") && member(xml_prop(s, "crmd"), "online") &&
                xml_prop(s, "join") == "member";
    auto attrs = nvpairs(child(s, "transient_attributes"), "instance_attributes");
    nv.standby = nv.standby || is_true(lookup(attrs, "standby").value_or(""));
    nv.maintenance = nv.maintenance || is_true(lookup(attrs, "maintenance").value_or("")) ||
                     is_true(lookup(attrs, "vmha-maintenance").value_or(""));
    nv.storage = lookup(attrs, "#health-vmha-storage").value_or("");
    nv.libvirt = lookup(attrs, "#health-vmha-libvirt").value_or("");
  }
  for (const auto& id : order) v.nodes.push_back(by_id[id]);

  std::map<std::string, std::pair<xmlNode*, std::string>> prims;
  find_primitives(child(conf, "resources"), "", prims);
  auto defaults = nvpairs(child(conf, "rsc_defaults"), "meta_attributes");
  auto locations = children(child(conf, "constraints"), "rsc_location");
  for (const auto& rsc : resources) {
    ResourceView& r = v.resources[rsc];
    auto it = prims.find(rsc);
    if (it == prims.end()) continue;
    r.found = true;
    r.parent = it->second.second;
    auto meta = nvpairs(it->second.first, "meta_attributes");
    r.allow_migrate = is_true(
        lookup(meta, "allow-migrate").value_or(lookup(defaults, "allow-migrate").value_or("")));
    r.managed = is_true(
        lookup(meta, "is-managed").value_or(lookup(defaults, "is-managed").value_or("true")));
    for (xmlNode* loc : locations)
      if (is_rescue_rule(loc, rsc)) r.rescue_rule = true;
  }
  return v;
}

}  // namespace vmha::cluster
