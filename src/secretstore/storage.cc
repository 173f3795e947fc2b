#include "secretstore/storage.h"

#include <sqlite3.h>

#include "fmt/format.h"

namespace dstart::secretstore {

namespace {
struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

absl::Status SqlError(sqlite3* db, std::string_view what) {
  return absl::InternalError(fmt::format("storage: {}: {}", what, sqlite3_errmsg(db)));
}
}  // namespace

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::UnavailableError(fmt::format("storage: open {}: {}", path, msg));
  }
  std::unique_ptr<Storage> s(new Storage(db, path));
  sqlite3_busy_timeout(db, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA cache_size=-512",
                          "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB "
                          "NOT NULL) WITHOUT ROWID"}) {
    if (absl::Status st = s->Exec(sql); !st.ok()) return st;
  }
  return s;
}

Storage::~Storage() { sqlite3_close(db_); }

absl::Status Storage::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return absl::InternalError(fmt::format("storage {}: {}: {}", path_, sql, msg));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Bytes>> Storage::Get(std::string_view key) {
  std::lock_guard lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM entries WHERE key = ?", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, "prepare get");
  }
  Stmt stmt(raw);
  sqlite3_bind_text(raw, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  int rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  if (rc != SQLITE_ROW) return SqlError(db_, "get");
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(raw, 0));
  int n = sqlite3_column_bytes(raw, 0);
  return std::optional<Bytes>(Bytes(p, p + n));
}

absl::Status Storage::PutLocked(std::string_view key, std::span<const uint8_t> value) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", -1,
                         &raw, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare put");
  }
  Stmt stmt(raw);
  sqlite3_bind_text(raw, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_blob(raw, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  if (sqlite3_step(raw) != SQLITE_DONE) return SqlError(db_, "put");
  return absl::OkStatus();
}

absl::Status Storage::DeleteLocked(std::string_view key) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM entries WHERE key = ?", -1, &raw, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, "prepare delete");
  }
  Stmt stmt(raw);
  sqlite3_bind_text(raw, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (sqlite3_step(raw) != SQLITE_DONE) return SqlError(db_, "delete");
  return absl::OkStatus();
}

absl::Status Storage::Put(std::string_view key, std::span<const uint8_t> value) {
  std::lock_guard lock(mu_);
  return PutLocked(key, value);
}

absl::Status Storage::Delete(std::string_view key) {
  std::lock_guard lock(mu_);
  return DeleteLocked(key);
}

absl::Status Storage::Commit(const std::vector<Write>& writes) {
  std::lock_guard lock(mu_);
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  for (const Write& w : writes) {
    absl::Status s = w.value ? PutLocked(w.key, *w.value) : DeleteLocked(w.key);
    if (!s.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return s;
    }
  }
  return Exec("COMMIT");
}

absl::StatusOr<std::vector<std::string>> Storage::List(std::string_view prefix) {
  std::lock_guard lock(mu_);
  sqlite3_stmt* raw = nullptr;
  // Range scan [prefix, prefix + 0xff): keys are compared bytewise (BINARY collation).
  if (sqlite3_prepare_v2(db_, "SELECT key FROM entries WHERE key >= ? AND key < ? ORDER BY key",
                         -1, &raw, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare list");
  }
  Stmt stmt(raw);
  std::string upper(prefix);
  upper.push_back('\xff');
  sqlite3_bind_text(raw, 1, prefix.data(), static_cast<int>(prefix.size()), SQLITE_STATIC);
  sqlite3_bind_text(raw, 2, upper.data(), static_cast<int>(upper.size()), SQLITE_STATIC);
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    std::string key(reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)),
                    sqlite3_column_bytes(raw, 0));
    if (key.compare(0, prefix.size(), prefix) == 0) out.push_back(std::move(key));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list");
  return out;
}

}  // namespace dstart::secretstore
