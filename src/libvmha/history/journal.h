// The event journal: every detection, action and state change vmha makes,
// in an SQLite database (WAL, synchronous=NORMAL: an append costs no fsync
// and survives a crash of the process; a power cut may lose the last ones).
// Size is bounded: append() trims rows beyond max_rows and rows older than
// max_age_days every few appends. A Journal is one connection: use it from
// one thread at a time; other processes (vmhactl history) may read meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libvmha/base/clock.h"
#include "libvmha/base/result.h"

struct sqlite3;

namespace vmha::history {

inline constexpr const char* kDefaultJournalPath = "/var/lib/vmha/journal.db";

enum class Kind { kDetection, kAction, kState };
const char* to_string(Kind k);  // "detection", "action", "state"
std::optional<Kind> parse_kind(const std::string& s);

struct Entry {
  int64_t id = 0;       // assigned by append(); ignored on input
  int64_t time_ms = 0;  // wall clock, ms since the epoch; 0: now
  std::string node;     // where it happened (cluster node name)
  Kind kind = Kind::kDetection;
  std::string subject;  // domain, resource or path it is about
  std::string what;     // "paused on I/O error", "resume", "#health-vmha-storage=red"
  std::string how;      // by what means ("libvirt event", "virDomainResume", "attrd")
  std::string outcome;  // "ok", "failed", "timeout", ... empty for detections
  std::string detail;   // free text: reasons, error messages, figures
};

struct Retention {
  int64_t max_rows = 100'000;
  int max_age_days = 90;
  int prune_every = 100;  // appends between two trims (and one at open)
};

struct Query {
  std::optional<int64_t> since_ms;  // time >= since
  std::optional<int64_t> until_ms;  // time < until
  std::optional<std::string> subject;
  std::optional<Kind> kind;
  int limit = 100;  // newest first; <= 0: no limit
};

class Journal {
 public:
  // Opens (creating the parent directories with mode 0750 and the database
  // with 0640 when missing) and sets WAL mode, synchronous=NORMAL and a busy
  // timeout. The clock says when entries are older than max_age_days; times
  // left at 0 are stamped with the system's wall clock.
  static Result<Journal> open(const std::string& path, Retention retention = {},
                              Clock& clock = system_clock());
  // For readers (vmhactl history): no creation, no writes, no trimming.
  static Result<Journal> open_read_only(const std::string& path);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  ~Journal();

  // kIo when the database rejects the row (disk full, locked beyond the busy
  // timeout); the message names the file.
  Status append(const Entry& entry);
  // Matching rows, newest first (by time, then id).
  Result<std::vector<Entry>> query(const Query& q) const;
  // Trims now (append() does it every prune_every appends).
  Status prune();

  const std::string& path() const { return path_; }
  // The journal_mode SQLite reports ("wal").
  Result<std::string> journal_mode() const;

 private:
  Journal(std::string path, sqlite3* db, Retention retention, Clock* clock);
  Error sql_error(const std::string& what) const;
  // Runs a statement with one integer parameter.
  Status delete_where(const char* sql, int64_t value, const std::string& what);
  static int64_t now_ms();

  std::string path_;
  sqlite3* db_ = nullptr;
  Retention retention_;
  Clock* clock_ = nullptr;
  int appends_since_prune_ = 0;
};

}  // namespace vmha::history
