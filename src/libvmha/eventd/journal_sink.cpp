#include "libvmha/eventd/journal_sink.h"

#include <mutex>
#include <optional>

#include "libvmha/base/log.h"

namespace vmha::eventd {

struct JournalSink::Impl {
  explicit Impl(const Options& o) : opt(o) {}
  const Options& opt;
  std::mutex mu;
  std::optional<history::Journal> journal;
  bool warned = false;
};

JournalSink::JournalSink(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
JournalSink::~JournalSink() = default;

Status JournalSink::open() {
  history::Retention r;
  r.max_rows = impl_->opt.journal_max_rows;
  r.max_age_days = impl_->opt.journal_max_days;
  auto j = history::Journal::open(impl_->opt.journal, r);
  if (!j) return j.error();
  std::lock_guard lock(impl_->mu);
  impl_->journal.emplace(std::move(*j));
  return Unit{};
}

void JournalSink::record(history::Kind kind, const std::string& subject, const std::string& what,
                         const std::string& how, const std::string& outcome,
                         const std::string& detail) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->journal) return;
  history::Entry e;
  e.node = impl_->opt.node;
  e.kind = kind;
  e.subject = subject;
  e.what = what;
  e.how = how;
  e.outcome = outcome;
  e.detail = detail;
  if (auto s = impl_->journal->append(e); !s && !impl_->warned) {
    impl_->warned = true;  // once: a full disk must not flood the log
    log::error("journal: " + s.error().message);
  } else if (s) {
    impl_->warned = false;
  }
}

}  // namespace vmha::eventd
