// A domain's disks as QEMU sees them (devices, block nodes, the graph
// between them, block jobs), read from QMP replies, and the plan that moves
// each writable disk onto a stand-in node so that a migration's hand-over
// flush no longer reaches dead storage. Pure: no I/O.
//
// Names: the stand-in of the disk whose root node is R is the node "vmha-R"
// (raw) over "vmha-R-d" (blkdebug) over "vmha-R-n" (null-co), moved in by
// the block job "vmha-R-j". The old node's name is thus readable from the
// stand-in's, so a second attempt after a partial one knows what is left.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/json.h"
#include "libvmha/base/result.h"

namespace vmha::virt {

inline constexpr const char* kStandinPrefix = "vmha-";

struct BlockDisk {
  std::string device;  // QEMU's qdev path of the device
  std::string alias;   // libvirt's device alias ("virtio-disk0"), from the qdev path
  std::string name;    // what messages call it: the guest's target ("vda") when known, else alias
  std::string root;    // node-name of the device's root node; "" for an empty drive
  std::string driver;  // the root node's driver ("raw", "qcow2", "nbd")
  int64_t size = 0;    // bytes the guest sees
  bool read_only = false;
  bool failed = false;  // QEMU's io-status for the device is "failed"
  bool direct = true;   // cache.direct: no host page cache between QEMU and storage
};

struct BlockJob {
  std::string id;
  std::string type;    // "mirror"
  std::string status;  // QEMU's job status: "running", "ready", "concluded"...
  bool ready = false;
};

struct BlockState {
  std::vector<BlockDisk> disks;
  std::map<std::string, std::string> drivers;  // node-name -> driver, every named node
  std::map<std::string, std::vector<std::string>> children;  // node-name -> child node-names
  // Nodes nothing uses: no device, node or job above them. QEMU's hand-over
  // flushes these too.
  std::vector<std::string> parentless;
  std::vector<BlockJob> jobs;
};

// libvirt's device aliases to the disks' targets ("virtio-disk0" -> "vda").
using DiskNames = std::map<std::string, std::string>;

// query-block, query-named-block-nodes (flat), x-debug-query-block-graph and
// query-block-jobs "return" values. kInternal when one is not what QEMU
// sends.
Result<BlockState> parse_block_state(const Json& block, const Json& named_nodes, const Json& graph,
                                     const Json& jobs, const DiskNames& names = {});

// What is left to do for one disk.
struct DiskSwap {
  std::string name;      // BlockDisk::name
  std::string old_root;  // the node the device had before any swap
  int64_t size = 0;
  bool on_standin = false;  // the device's root is already the stand-in
  bool standin_added = false;
  std::optional<BlockJob> job;  // the swap's job from an earlier attempt, if still there
  // The old root and every node under it that still exist, parents first:
  // deleted once the device runs on the stand-in.
  std::vector<std::string> old_nodes;
  std::vector<std::string> old_nbd_nodes;  // among them, NBD clients (yanked first)
};

std::string standin_node(const std::string& old_root);
std::string standin_job(const std::string& old_root);
// blockdev-add's arguments for the stand-in of a disk of size bytes: raw
// over blkdebug over null-co; reads and writes fail with EIO (so a resume
// on this host pauses the guest again instead of writing into nothing),
// flushes succeed (so the hand-over flush does).
Json standin_blockdev(const std::string& old_root, int64_t size);

// Every writable disk with a medium must move to a stand-in: the node's
// storage path is dead, and a disk that has not failed yet may still hold
// writes its hand-over flush would have to reach. Read-only and empty
// drives are left alone: their flush cannot fail. kConflict, naming the disk
// and why, before anything is planned when a disk cannot move: a driver
// other than raw or a protocol (qcow2 may hold metadata of completed writes
// that only the failed flush would have written), a host page cache (the
// host may hold completed writes only the flush would send), or a node name
// too long to derive the stand-in's.
//
// Nodes left unused by an earlier attempt (an old storage node whose parent
// is deleted already) are deleted too: every node nothing uses that is not a
// stand-in's.
struct SwapPlan {
  std::vector<DiskSwap> disks;
  std::vector<std::string> stray_nodes;  // parents first
  std::vector<std::string> stray_nbd_nodes;
};
Result<SwapPlan> plan_swaps(const BlockState& state);

}  // namespace vmha::virt
