#include "libvmha/eventd/journal_sink.h"

#include <mutex>

#include "libvmha/base/log.h"

namespace vmha::eventd {

struct JournalSink::Impl {
  explicit Impl(const Options& o) : opt(o) {}
  const Options& opt;
  std::mutex mu;
  bool warned = false;
};

JournalSink::JournalSink(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
JournalSink::~JournalSink() = default;

Status JournalSink::open() { return Unit{}; }

void JournalSink::record(const std::string& kind, const std::string& subject,
                         const std::string& what, const std::string& how,
                         const std::string& outcome) {
  std::lock_guard lock(impl_->mu);
  log::debug("journal " + kind + " " + subject + ": " + what + " " + how + " " + outcome);
}

}  // namespace vmha::eventd
