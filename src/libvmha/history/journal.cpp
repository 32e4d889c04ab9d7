#include "libvmha/history/journal.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>

namespace vmha::history {
namespace {

constexpr int kBusyTimeoutMs = 2000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  time    INTEGER NOT NULL,
  node    TEXT NOT NULL,
  kind    TEXT NOT NULL CHECK (kind IN ('detection', 'action', 'state')),
  subject TEXT NOT NULL,
  what    TEXT NOT NULL,
  how     TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '',
  detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (time);
CREATE INDEX IF NOT EXISTS events_by_subject ON events (subject, time);
PRAGMA user_version = 1;
)sql";

// Finalizes on every path out of a function.
struct Statement {
  sqlite3_stmt* s = nullptr;
  ~Statement() { sqlite3_finalize(s); }
};

std::string errno_text() { return std::strerror(errno); }

// Creates the missing directories above `path` with mode 0750 (whatever the
// umask), leaving existing ones as they are.
Status make_parents(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) return ok_status();
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0750) == 0) {
      if (::chmod(partial.c_str(), 0750) != 0)
        return make_error(Errc::kIo, "chmod 0750 " + partial.string() + ": " + errno_text());
    } else if (errno != EEXIST) {
      return make_error(Errc::kIo, "create directory " + partial.string() + ": " + errno_text() +
                                       ": create it or choose another journal path");
    }
  }
  return ok_status();
}

// Creates the database file with mode 0640 before SQLite does (SQLite would
// use 0644 less the umask); SQLite gives its -wal and -shm files the same mode.
Status create_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (errno == EEXIST) return ok_status();
    return make_error(Errc::kIo, "create journal " + path + ": " + errno_text());
  }
  int rc = ::fchmod(fd, 0640);
  ::close(fd);
  if (rc != 0) return make_error(Errc::kIo, "chmod 0640 " + path + ": " + errno_text());
  return ok_status();
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

void bind_text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

}  // namespace

const char* to_string(Kind k) {
  switch (k) {
    case Kind::kDetection:
      return "detection";
    case Kind::kAction:
      return "action";
    case Kind::kState:
      return "state";
  }
  return "detection";
}

std::optional<Kind> parse_kind(const std::string& s) {
  if (s == "detection") return Kind::kDetection;
  if (s == "action") return Kind::kAction;
  if (s == "state") return Kind::kState;
  return std::nullopt;
}

Journal::Journal(std::string path, sqlite3* db, Retention retention, Clock* clock)
    : path_(std::move(path)), db_(db), retention_(retention), clock_(clock) {}

Journal::Journal(Journal&& o) noexcept
    : path_(std::move(o.path_)),
      db_(std::exchange(o.db_, nullptr)),
      retention_(o.retention_),
      clock_(o.clock_),
      appends_since_prune_(o.appends_since_prune_) {}

Journal& Journal::operator=(Journal&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    path_ = std::move(o.path_);
    db_ = std::exchange(o.db_, nullptr);
    retention_ = o.retention_;
    clock_ = o.clock_;
    appends_since_prune_ = o.appends_since_prune_;
  }
  return *this;
}

Journal::~Journal() { sqlite3_close_v2(db_); }

Error Journal::sql_error(const std::string& what) const {
  return make_error(Errc::kIo, what + " in journal " + path_ + ": " +
                                   (db_ ? sqlite3_errmsg(db_) : "no database"));
}

int64_t Journal::now_ms() {
  using std::chrono::duration_cast;
  return duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<Journal> Journal::open(const std::string& path, Retention retention, Clock& clock) {
  VMHA_TRY(make_parents(path));
  VMHA_TRY(create_file(path));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  Journal j(path, db, retention, &clock);
  if (rc != SQLITE_OK) return j.sql_error("open");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers never block the writer; NORMAL: no fsync per commit.
  auto mode = j.journal_mode();
  if (!mode) return mode.error();
  if (*mode != "wal") {
    Statement st;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st.s, nullptr) != SQLITE_OK ||
        sqlite3_step(st.s) != SQLITE_ROW)
      return j.sql_error("set WAL mode");
    if (column_text(st.s, 0) != "wal")
      return make_error(Errc::kIo, "journal " + path + " cannot use WAL mode (journal_mode is " +
                                       column_text(st.s, 0) + "): put it on a local filesystem");
  }
  const char* setup = "PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=4194304;";
  if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK)
    return j.sql_error("configure");
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK)
    return j.sql_error("create the schema");
  VMHA_TRY(j.prune());
  return j;
}

Result<Journal> Journal::open_read_only(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  Journal j(path, db, Retention{}, &system_clock());
  if (rc != SQLITE_OK) return j.sql_error("open (read-only)");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return j;
}

Result<std::string> Journal::journal_mode() const {
  Statement st;
  if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &st.s, nullptr) != SQLITE_OK ||
      sqlite3_step(st.s) != SQLITE_ROW)
    return sql_error("read journal_mode");
  return column_text(st.s, 0);
}

Status Journal::append(const Entry& e) {
  Statement st;
  const char* sql =
      "INSERT INTO events (time, node, kind, subject, what, how, outcome, detail) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK)
    return sql_error("prepare append");
  sqlite3_bind_int64(st.s, 1, e.time_ms ? e.time_ms : now_ms());
  bind_text(st.s, 2, e.node);
  sqlite3_bind_text(st.s, 3, to_string(e.kind), -1, SQLITE_STATIC);
  bind_text(st.s, 4, e.subject);
  bind_text(st.s, 5, e.what);
  bind_text(st.s, 6, e.how);
  bind_text(st.s, 7, e.outcome);
  bind_text(st.s, 8, e.detail);
  if (sqlite3_step(st.s) != SQLITE_DONE) return sql_error("append " + e.what + " of " + e.subject);
  if (++appends_since_prune_ >= retention_.prune_every) return prune();
  return ok_status();
}

Status Journal::delete_where(const char* sql, int64_t value, const std::string& what) {
  Statement st;
  if (sqlite3_prepare_v2(db_, sql, -1, &st.s, nullptr) != SQLITE_OK)
    return sql_error("prepare " + what);
  sqlite3_bind_int64(st.s, 1, value);
  if (sqlite3_step(st.s) != SQLITE_DONE) return sql_error(what);
  return ok_status();
}

Status Journal::prune() {
  appends_since_prune_ = 0;
  int64_t cutoff_ms = (clock_->wall_seconds() - int64_t{retention_.max_age_days} * 86'400) * 1000;
  VMHA_TRY(delete_where("DELETE FROM events WHERE time < ?", cutoff_ms, "trim by age"));
  // The newest max_rows ids stay; ids grow with every append.
  return delete_where(
      "DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)",
      retention_.max_rows, "trim by count");
}

Result<std::vector<Entry>> Journal::query(const Query& q) const {
  std::string sql =
      "SELECT id, time, node, kind, subject, what, how, outcome, detail FROM events WHERE 1";
  if (q.since_ms) sql += " AND time >= :since";
  if (q.until_ms) sql += " AND time < :until";
  if (q.subject) sql += " AND subject = :subject";
  if (q.kind) sql += " AND kind = :kind";
  sql += " ORDER BY time DESC, id DESC";
  if (q.limit > 0) sql += " LIMIT :limit";
  Statement st;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st.s, nullptr) != SQLITE_OK)
    return sql_error("prepare query");
  auto at = [&](const char* name) { return sqlite3_bind_parameter_index(st.s, name); };
  if (q.since_ms) sqlite3_bind_int64(st.s, at(":since"), *q.since_ms);
  if (q.until_ms) sqlite3_bind_int64(st.s, at(":until"), *q.until_ms);
  if (q.subject) bind_text(st.s, at(":subject"), *q.subject);
  if (q.kind) sqlite3_bind_text(st.s, at(":kind"), to_string(*q.kind), -1, SQLITE_STATIC);
  if (q.limit > 0) sqlite3_bind_int(st.s, at(":limit"), q.limit);
  std::vector<Entry> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    Entry e;
    e.id = sqlite3_column_int64(st.s, 0);
    e.time_ms = sqlite3_column_int64(st.s, 1);
    e.node = column_text(st.s, 2);
    e.kind = parse_kind(column_text(st.s, 3)).value_or(Kind::kDetection);
    e.subject = column_text(st.s, 4);
    e.what = column_text(st.s, 5);
    e.how = column_text(st.s, 6);
    e.outcome = column_text(st.s, 7);
    e.detail = column_text(st.s, 8);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return sql_error("query");
  return out;
}

}  // namespace vmha::history
