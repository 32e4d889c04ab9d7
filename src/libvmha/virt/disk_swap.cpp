#include "libvmha/virt/disk_swap.h"

namespace vmha::virt {
namespace {

constexpr Millis kPoll{20};

Error step_failed(const DiskSwap& d, const std::string& step, const Error& e) {
  return make_error(e.code,
                    "moving disk " + d.name + " to a stand-in (" + step + "): " + e.message);
}

// The job named id in a query-block-jobs reply, or null.
const Json* find_job(const Json& jobs, const std::string& id) {
  for (const Json& j : jobs.items())
    if (j.str("device") == id) return &j;
  return nullptr;
}

// Waits for the swap's mirror job to be ready, completes it, waits until it
// is gone, and checks that the device's root is the stand-in. Polls only the
// jobs (one call each time): every monitor call costs a libvirt round trip.
Status complete_swap(Qmp& q, const DiskSwap& d, Clock& clock, const Deadline& deadline) {
  const std::string job = standin_job(d.old_root), standin = standin_node(d.old_root);
  bool completed = false;
  for (;;) {
    auto jobs = q.execute("query-block-jobs");
    if (!jobs) return step_failed(d, "waiting for the block job", jobs.error());
    const Json* j = find_job(*jobs, job);
    if (!j) break;
    if (j->flag("ready") && !completed) {
      if (auto c = q.execute("job-complete", Json::object({{"id", job}})); !c)
        return step_failed(d, "job-complete", c.error());
      completed = true;
      continue;
    }
    if (deadline.expired())
      return make_error(Errc::kTimeout, "moving disk " + d.name + " to a stand-in: block job " +
                                            job + " not done in time (status " + j->str("status") +
                                            ")");
    clock.sleep_for(kPoll);
  }
  auto block = q.execute("query-block");
  if (!block) return step_failed(d, "checking the device", block.error());
  for (const Json& b : block->items())
    if (const Json* in = b.find("inserted"); in && in->str("node-name") == standin) return Unit{};
  return make_error(Errc::kInternal, "moving disk " + d.name + " to a stand-in: block job " + job +
                                         " ended without switching the device (see QEMU's log)");
}

void yank(Qmp& q, const std::vector<std::string>& nbd_nodes) {
  // A hung NBD socket would make the deletion wait for it; a dead one
  // (or an older QEMU without yank) makes this fail harmlessly.
  if (nbd_nodes.empty()) return;
  Json instances = Json::array();
  for (const auto& n : nbd_nodes)
    instances.push(Json::object({{"type", "block-node"}, {"node-name", n}}));
  (void)q.execute("yank", Json::object({{"instances", instances}}));
}

Status delete_nodes(Qmp& q, const std::string& whose, const std::vector<std::string>& nodes,
                    const std::vector<std::string>& nbd_nodes, SwapReport& report) {
  yank(q, nbd_nodes);
  for (const auto& n : nodes) {
    if (auto r = q.execute("blockdev-del", Json::object({{"node-name", n}})); !r)
      return make_error(r.error().code,
                        "deleting node " + n + " of " + whose + ": " + r.error().message);
    report.deleted.push_back(n);
  }
  return Unit{};
}

}  // namespace

Result<BlockState> read_block_state(Qmp& q, const DiskNames& names) {
  auto block = q.execute("query-block");
  if (!block) return block.error();
  auto named = q.execute("query-named-block-nodes", Json::object({{"flat", true}}));
  if (!named) return named.error();
  auto graph = q.execute("x-debug-query-block-graph");
  if (!graph) return graph.error();
  auto jobs = q.execute("query-block-jobs");
  if (!jobs) return jobs.error();
  return parse_block_state(*block, *named, *graph, *jobs, names);
}

Result<SwapReport> swap_to_standins(Qmp& q, Clock& clock, const Deadline& deadline,
                                    const DiskNames& names, const BlockState* known) {
  SwapReport report;
  Result<BlockState> st = known ? Result<BlockState>(*known) : read_block_state(q, names);
  if (!st) return st.error();
  auto plan = plan_swaps(*st);
  if (!plan) return plan.error();
  for (const DiskSwap& d : plan->disks) {
    if (d.on_standin) continue;
    if (!d.standin_added) {
      if (auto a = q.execute("blockdev-add", standin_blockdev(d.old_root, d.size)); !a)
        return step_failed(d, "blockdev-add", a.error());
    }
    if (!d.job) {
      // sync=none copies nothing: the job is ready at once, and completing
      // it switches the device (and its queued requests) to the stand-in.
      Json mirror = Json::object({{"job-id", standin_job(d.old_root)},
                                  {"device", d.old_root},
                                  {"target", standin_node(d.old_root)},
                                  {"sync", "none"}});
      if (auto m = q.execute("blockdev-mirror", mirror); !m)
        return step_failed(d, "blockdev-mirror", m.error());
    }
    VMHA_TRY(complete_swap(q, d, clock, deadline));
    report.moved.push_back(d.name + ": " + d.old_root);
  }
  // The old nodes go only once every device is off them: until then a
  // failure leaves the guest as it was. What to delete is known from the
  // first reading (nothing else adds or removes nodes meanwhile).
  for (const DiskSwap& d : plan->disks) {
    VMHA_TRY(delete_nodes(q, "disk " + d.name, d.old_nodes, d.old_nbd_nodes, report));
    ++report.disks;
  }
  VMHA_TRY(delete_nodes(q, "no device", plan->stray_nodes, plan->stray_nbd_nodes, report));
  return report;
}

}  // namespace vmha::virt
