#include "libvmha/virt/block_graph.h"

#include <deque>
#include <set>

#include "libvmha/base/strings.h"

namespace vmha::virt {
namespace {

// QEMU keeps node names in 32 bytes with the terminator; the longest
// derived name adds 7 characters ("vmha-" and "-d").
constexpr size_t kMaxNodeName = 31;
constexpr size_t kMaxOldRoot = kMaxNodeName - 7;

// Drivers that hold data as they are: the raw format and the protocols
// (where the bytes live). Anything else may keep state of its own.
const std::set<std::string>& plain_drivers() {
  static const std::set<std::string> s = {
      "raw",     "file", "host_device", "host_cdrom", "nbd",   "iscsi", "iser", "rbd",
      "gluster", "nfs",  "ssh",         "http",       "https", "ftp",   "ftps", "nvme"};
  return s;
}

Error unexpected(const std::string& what) {
  return make_error(Errc::kInternal, "QEMU's " + what + " is not in the expected form");
}

std::string alias_of(const std::string& qdev) {
  constexpr std::string_view kPeripheral = "/machine/peripheral/";
  if (!starts_with(qdev, kPeripheral)) return qdev;
  std::string rest = qdev.substr(kPeripheral.size());
  return rest.substr(0, rest.find('/'));
}

// Names under node, parents first (breadth first), without node itself.
std::vector<std::string> below(const BlockState& s, const std::string& node) {
  std::vector<std::string> out;
  std::set<std::string> seen{node};
  std::deque<std::string> todo{node};
  while (!todo.empty()) {
    std::string n = todo.front();
    todo.pop_front();
    auto it = s.children.find(n);
    if (it == s.children.end()) continue;
    for (const auto& c : it->second)
      if (seen.insert(c).second) {
        out.push_back(c);
        todo.push_back(c);
      }
  }
  return out;
}

// A whole number member, or -1 when absent or not one.
int64_t int_member(const Json& j, const char* key) {
  const Json* v = j.find(key);
  return v && v->as_int() ? *v->as_int() : -1;
}

std::string driver_of(const BlockState& s, const std::string& node) {
  auto it = s.drivers.find(node);
  return it == s.drivers.end() ? std::string() : it->second;
}

}  // namespace

Result<BlockState> parse_block_state(const Json& block, const Json& named_nodes, const Json& graph,
                                     const Json& jobs, const DiskNames& names) {
  if (!block.is_array()) return unexpected("query-block reply");
  if (!named_nodes.is_array()) return unexpected("query-named-block-nodes reply");
  if (!graph.is_object() || !graph.find("nodes") || !graph.find("edges"))
    return unexpected("block graph");
  if (!jobs.is_array()) return unexpected("query-block-jobs reply");
  BlockState s;
  for (const Json& n : named_nodes.items()) {
    std::string name = n.str("node-name");
    if (!name.empty()) s.drivers[name] = n.str("drv");
  }
  std::map<int64_t, std::string> by_id;  // graph ids of block-driver nodes
  for (const Json& n : graph.find("nodes")->items()) {
    int64_t id = int_member(n, "id");
    if (id < 0) return unexpected("block graph");
    if (n.str("type") == "block-driver") by_id[id] = n.str("name");
  }
  std::set<std::string> used;
  for (const Json& e : graph.find("edges")->items()) {
    int64_t parent = int_member(e, "parent"), child = int_member(e, "child");
    if (parent < 0 || child < 0) return unexpected("block graph");
    auto p = by_id.find(parent), c = by_id.find(child);
    if (c == by_id.end()) continue;
    used.insert(c->second);
    if (p != by_id.end()) s.children[p->second].push_back(c->second);
  }
  for (const auto& [id, name] : by_id)
    if (!used.count(name)) s.parentless.push_back(name);
  for (const Json& d : block.items()) {
    BlockDisk disk;
    disk.device = d.str("qdev");
    if (disk.device.empty()) disk.device = d.str("device");
    disk.alias = alias_of(disk.device);
    auto known = names.find(disk.alias);
    disk.name = known != names.end() && !known->second.empty() ? known->second : disk.alias;
    disk.failed = d.str("io-status") == "failed";
    if (const Json* in = d.find("inserted")) {
      disk.root = in->str("node-name");
      disk.driver = in->str("drv");
      disk.read_only = in->flag("ro");
      if (const Json* cache = in->find("cache")) disk.direct = cache->flag("direct", true);
      if (const Json* image = in->find("image")) disk.size = int_member(*image, "virtual-size");
    }
    s.disks.push_back(std::move(disk));
  }
  for (const Json& j : jobs.items())
    s.jobs.push_back({j.str("device"), j.str("type"), j.str("status"), j.flag("ready")});
  return s;
}

std::string standin_node(const std::string& old_root) { return kStandinPrefix + old_root; }
std::string standin_job(const std::string& old_root) { return kStandinPrefix + old_root + "-j"; }

Json standin_blockdev(const std::string& old_root, int64_t size) {
  auto rule = [](const char* event, const char* iotype) {
    // iotype keeps each rule off flushes: the hand-over flush must succeed.
    return Json::object({{"event", event}, {"iotype", iotype}, {"errno", 5}});
  };
  Json null_co = Json::object(
      {{"driver", "null-co"}, {"node-name", kStandinPrefix + old_root + "-n"}, {"size", size}});
  // blkdebug's rules fire on events its parent raises: bare blkdebug over
  // null-co would accept writes silently, hence raw on top.
  Json debug = Json::object(
      {{"driver", "blkdebug"},
       {"node-name", kStandinPrefix + old_root + "-d"},
       {"image", null_co},
       {"inject-error", Json::array({rule("write_aio", "write"), rule("read_aio", "read")})}});
  return Json::object({{"driver", "raw"}, {"node-name", standin_node(old_root)}, {"file", debug}});
}

Result<SwapPlan> plan_swaps(const BlockState& s) {
  SwapPlan plan;
  std::vector<DiskSwap>& out = plan.disks;
  for (const BlockDisk& d : s.disks) {
    if (d.root.empty() || d.read_only) continue;
    DiskSwap w;
    w.name = d.name;
    w.size = d.size;
    std::string standin_prefix = kStandinPrefix;
    if (starts_with(d.root, standin_prefix)) {
      w.on_standin = true;
      w.standin_added = true;
      w.old_root = d.root.substr(standin_prefix.size());
    } else {
      w.old_root = d.root;
      if (w.old_root.size() > kMaxOldRoot)
        return make_error(Errc::kConflict,
                          "disk " + d.name + " has node name " + d.root + ", longer than " +
                              std::to_string(kMaxOldRoot) +
                              " characters: no stand-in name can be derived from it");
      std::vector<std::string> nodes = below(s, d.root);
      nodes.insert(nodes.begin(), d.root);
      for (const auto& n : nodes) {
        std::string drv = driver_of(s, n);
        if (!plain_drivers().count(drv))
          return make_error(
              Errc::kConflict,
              "disk " + d.name + " is " + (drv.empty() ? "of an unknown format" : drv) + " (node " +
                  n +
                  "): only raw disks can be moved off failed storage, "
                  "since other formats may hold metadata of completed writes that only the "
                  "failed flush would have written");
      }
      if (!d.direct)
        return make_error(Errc::kConflict,
                          "disk " + d.name +
                              " uses the host page cache (a cache mode other than none or "
                              "directsync): completed writes may exist only in this host's memory");
      if (d.size <= 0)
        return make_error(Errc::kConflict, "QEMU reports no size for disk " + d.name);
      w.standin_added = s.drivers.count(standin_node(d.root)) > 0;
    }
    if (s.drivers.count(w.old_root)) {
      w.old_nodes = below(s, w.old_root);
      w.old_nodes.insert(w.old_nodes.begin(), w.old_root);
      for (const auto& n : w.old_nodes)
        if (driver_of(s, n) == "nbd") w.old_nbd_nodes.push_back(n);
    }
    for (const BlockJob& j : s.jobs)
      if (j.id == standin_job(w.old_root)) w.job = j;
    out.push_back(std::move(w));
  }
  std::set<std::string> planned;
  for (const DiskSwap& w : out) planned.insert(w.old_nodes.begin(), w.old_nodes.end());
  for (const std::string& n : s.parentless) {
    // A stand-in not moved in yet is the next attempt's to use; a device's
    // old root is deleted with its disk.
    if (starts_with(n, kStandinPrefix) || planned.count(n)) continue;
    std::vector<std::string> nodes = below(s, n);
    nodes.insert(nodes.begin(), n);
    for (const auto& m : nodes) {
      if (!planned.insert(m).second) continue;
      plan.stray_nodes.push_back(m);
      if (driver_of(s, m) == "nbd") plan.stray_nbd_nodes.push_back(m);
    }
  }
  return plan;
}

}  // namespace vmha::virt
