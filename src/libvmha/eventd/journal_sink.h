// Where the daemon records every detection and action (what, when, where,
// how, outcome): the SQLite journal that `vmhactl history` reads. Recording
// never fails the caller: a journal that cannot be written is logged and
// the daemon carries on. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "libvmha/base/result.h"
#include "libvmha/eventd/options.h"
#include "libvmha/history/journal.h"

namespace vmha::eventd {

class JournalSink {
 public:
  explicit JournalSink(const Options& options);
  ~JournalSink();
  Status open();
  void record(history::Kind kind, const std::string& subject, const std::string& what,
              const std::string& how, const std::string& outcome, const std::string& detail);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmha::eventd
