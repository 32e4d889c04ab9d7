// Moves a domain's writable disks off their storage onto stand-in nodes
// (see block_graph.h), through QMP, so that QEMU can hand the guest over to
// another host although this host's storage path is dead: at hand-over
// QEMU flushes every node, and a flush that reaches dead storage fails the
// migration. The guest must be paused; its failed requests stay queued in
// the device and are re-issued on the target.
#pragma once

#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/virt/block_graph.h"
#include "libvmha/virt/qmp.h"

namespace vmha::virt {

struct SwapReport {
  std::vector<std::string> moved;    // "vda: libvirt-1-format", one per disk moved now
  std::vector<std::string> deleted;  // old node names deleted now
  int64_t disks = 0;                 // writable disks on stand-ins at the end
};

// The domain's block devices, nodes, graph and jobs, read through four QMP
// queries; names say what to call each device in messages.
Result<BlockState> read_block_state(Qmp& qmp, const DiskNames& names = {});

// Idempotent: a call after a partial one (stand-in added, job started or
// done, old nodes partly deleted) does what is left; a call with nothing
// left changes nothing. Refuses (kConflict, the reason from plan_swaps)
// before changing anything. Waits for the block jobs by polling every
// 20 ms with clock; kTimeout when deadline passes first. known: the state
// just read by the caller, to start from instead of reading it again.
Result<SwapReport> swap_to_standins(Qmp& qmp, Clock& clock, const Deadline& deadline,
                                    const DiskNames& names = {}, const BlockState* known = nullptr);

}  // namespace vmha::virt
