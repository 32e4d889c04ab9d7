#include "libvmha/eventd/storage_watch.h"

namespace vmha::eventd {

struct StorageWatch::Impl {
  const Options& opt;
};

StorageWatch::StorageWatch(const Options& options, Loop&, JournalSink&, OnHealth, Quorate)
    : impl_(std::make_unique<Impl>(Impl{options})) {}
StorageWatch::~StorageWatch() = default;

Status StorageWatch::start() {
  if (!impl_->opt.heartbeat_paths.empty() || !impl_->opt.pill_devices.empty())
    return make_error(Errc::kNotInstalled, "storage heartbeat and poison-pill watching are not built yet");
  return Unit{};
}

void StorageWatch::stop() {}

}  // namespace vmha::eventd
