// The storage side of vmha-eventd: the periodic heartbeat on each shared
// path (health per path, the worst reported) and the poison-pill watcher on
// the sbd-layout devices with the self-fence action. Disk I/O runs on its own
// worker; results come back on the loop.
#pragma once

#include <functional>
#include <memory>

#include "libvmha/base/result.h"
#include "libvmha/eventd/journal_sink.h"
#include "libvmha/eventd/loop.h"
#include "libvmha/eventd/options.h"
#include "libvmha/policy/storage_health.h"

namespace vmha::eventd {

class StorageWatch {
 public:
  using OnHealth = std::function<void(policy::Health)>;
  using Quorate = std::function<bool()>;
  StorageWatch(const Options& options, Loop& loop, JournalSink& journal, OnHealth on_health,
               Quorate quorate);
  ~StorageWatch();
  Status start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmha::eventd
