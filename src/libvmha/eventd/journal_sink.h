// Where the daemon records every detection and action (issue: what, when,
// where, how, outcome): the SQLite journal that `vmhactl history` reads.
// Recording never fails the caller: a journal that cannot be written is
// logged once and the daemon carries on.
#pragma once

#include <memory>
#include <string>

#include "libvmha/base/result.h"
#include "libvmha/eventd/options.h"

namespace vmha::eventd {

class JournalSink {
 public:
  explicit JournalSink(const Options& options);
  ~JournalSink();
  Status open();
  // kind: detection | action | state. Thread-safe.
  void record(const std::string& kind, const std::string& subject, const std::string& what,
              const std::string& how, const std::string& outcome);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmha::eventd
