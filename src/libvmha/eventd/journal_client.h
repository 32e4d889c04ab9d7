// How a resource agent journals what it does: one row at a time, through
// the local vmha-eventd's query socket (query_server.h), so that rows land
// in the journal the daemon keeps (wherever its `journal` option puts it),
// with the daemon's node name. Without a daemon nothing is recorded; the
// agent's own log still has every line.
#pragma once

#include <string>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"
#include "libvmha/history/journal.h"

namespace vmha::eventd {

// The request line for an entry: tabs and line breaks in its fields become
// spaces, and the detail is cut to kMaxJournalDetail bytes so the line fits
// the daemon's limit.
inline constexpr size_t kMaxJournalDetail = 2000;
std::string journal_request(const history::Entry& e);

// Sends the entry (its node and time are the daemon's) and waits for the
// daemon's "ok" within timeout: kUnreachable without a daemon, kTimeout
// when it does not answer in time, kConflict when it refused the row.
Status journal_via_eventd(const std::string& socket_path, const history::Entry& e,
                          Millis timeout = Millis(1000));

}  // namespace vmha::eventd
