// SQLite DataStore (spec/spire.md §6.3): one connection, WAL journal, synchronous=FULL so that a
// commit is on disk before it is acknowledged, foreign keys on, versioned migrations.
#include <openssl/rand.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "common/status.h"
#include "fmt/format.h"
#include "server/datastore/datastore.h"

namespace dstart::server::datastore {
namespace {

// Each migration takes the schema from version i to i+1. Never edit a released step; append.
const char* const kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE bundles (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  trust_domain TEXT NOT NULL UNIQUE,
  data BLOB NOT NULL);
CREATE TABLE registered_entries (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  entry_id TEXT NOT NULL UNIQUE,
  spiffe_id TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  ttl INTEGER NOT NULL DEFAULT 0,
  admin INTEGER NOT NULL DEFAULT 0,
  downstream INTEGER NOT NULL DEFAULT 0,
  expiry INTEGER NOT NULL DEFAULT 0,
  revision_number INTEGER NOT NULL DEFAULT 0,
  store_svid INTEGER NOT NULL DEFAULT 0,
  hint TEXT NOT NULL DEFAULT '',
  jwt_svid_ttl INTEGER NOT NULL DEFAULT 0);
CREATE INDEX idx_registered_entries_spiffe_id ON registered_entries(spiffe_id);
CREATE INDEX idx_registered_entries_parent_id ON registered_entries(parent_id);
CREATE INDEX idx_registered_entries_expiry ON registered_entries(expiry);
CREATE INDEX idx_registered_entries_hint ON registered_entries(hint);
CREATE TABLE selectors (
  id INTEGER PRIMARY KEY,
  registered_entry_id INTEGER NOT NULL REFERENCES registered_entries(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (registered_entry_id, type, value));
CREATE INDEX idx_selectors_type_value ON selectors(type, value);
CREATE TABLE dns_names (
  id INTEGER PRIMARY KEY,
  registered_entry_id INTEGER NOT NULL REFERENCES registered_entries(id) ON DELETE CASCADE,
  value TEXT NOT NULL,
  UNIQUE (registered_entry_id, value));
CREATE TABLE federated_registration_entries (
  bundle_id INTEGER NOT NULL REFERENCES bundles(id),
  registered_entry_id INTEGER NOT NULL REFERENCES registered_entries(id) ON DELETE CASCADE,
  PRIMARY KEY (bundle_id, registered_entry_id));
CREATE INDEX idx_federated_registration_entries_entry
  ON federated_registration_entries(registered_entry_id);
CREATE TABLE attested_node_entries (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  spiffe_id TEXT NOT NULL UNIQUE,
  data_type TEXT NOT NULL,
  serial_number TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  new_serial_number TEXT NOT NULL DEFAULT '',
  new_expires_at INTEGER NOT NULL DEFAULT 0,
  can_reattest INTEGER NOT NULL DEFAULT 0,
  agent_version TEXT NOT NULL DEFAULT '');
CREATE INDEX idx_attested_node_entries_expires_at ON attested_node_entries(expires_at);
CREATE TABLE node_resolver_map_entries (
  id INTEGER PRIMARY KEY,
  spiffe_id TEXT NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (spiffe_id, type, value));
CREATE INDEX idx_node_resolver_map_entries_type_value ON node_resolver_map_entries(type, value);
CREATE TABLE join_tokens (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL UNIQUE,
  expiry INTEGER NOT NULL);
CREATE TABLE ca_journals (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  data BLOB NOT NULL);
)sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string NewUuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
      b[14], b[15]);
}

// A prepared statement, reset on destruction so the cached statement can be reused.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s, bool owned = false) : db_(db), s_(s), owned_(owned) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_), owned_(o.owned_), rc_(o.rc_) { o.s_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt() {
    if (s_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(s_);
      return;
    }
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Returns true for a row, false when done; errors are kept in status().
  bool Step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) rc_ = rc;
    return false;
  }
  absl::Status Run() {
    while (Step()) {
    }
    return status();
  }
  absl::Status status() const {
    if (rc_ == SQLITE_OK) return absl::OkStatus();
    if (rc_ == SQLITE_CONSTRAINT || (rc_ & 0xff) == SQLITE_CONSTRAINT) {
      return absl::AlreadyExistsError(fmt::format("datastore constraint: {}", sqlite3_errmsg(db_)));
    }
    return absl::InternalError(fmt::format("datastore: {}", sqlite3_errmsg(db_)));
  }
  int64_t Int(int col) { return sqlite3_column_int64(s_, col); }
  std::string Text(int col) {
    const void* p = sqlite3_column_blob(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
  bool owned_ = false;
  int rc_ = SQLITE_OK;
};

struct Row {
  int64_t rowid;
  Entry entry;
};

class SqliteDataStore final : public DataStore {
 public:
  explicit SqliteDataStore(sqlite3* db) : db_(db) {}
  ~SqliteDataStore() override {
    for (auto& [sql, s] : cache_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  absl::Status Init() {
    DSTART_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    DSTART_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    DSTART_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    sqlite3_busy_timeout(db_, 5000);
    DSTART_RETURN_IF_ERROR(Exec(
        "CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, version INTEGER NOT "
        "NULL, code_version TEXT NOT NULL DEFAULT '')"));
    int version = 0;
    {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT version FROM migrations WHERE id = 1"));
      if (s.Step()) version = static_cast<int>(s.Int(0));
      DSTART_RETURN_IF_ERROR(s.status());
    }
    if (version > kSchemaVersion) {
      return absl::FailedPreconditionError(fmt::format(
          "datastore schema version {} is newer than this server supports ({})", version,
          kSchemaVersion));
    }
    for (int v = version; v < kSchemaVersion; ++v) {
      DSTART_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
      absl::Status st = Exec(kMigrations[v]);
      if (st.ok()) {
        st = Exec(fmt::format(
            "INSERT INTO migrations (id, version, code_version) VALUES (1, {0}, 'dstart') "
            "ON CONFLICT(id) DO UPDATE SET version = {0}",
            v + 1));
      }
      if (!st.ok()) {
        (void)Exec("ROLLBACK");
        return absl::InternalError(
            fmt::format("datastore migration to version {}: {}", v + 1, std::string(st.message())));
      }
      DSTART_RETURN_IF_ERROR(Exec("COMMIT"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<EntryResult>> CreateEntries(std::vector<Entry> entries) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    std::vector<EntryResult> results;
    results.reserve(entries.size());
    int64_t now = Now();
    for (Entry& e : entries) {
      DSTART_ASSIGN_OR_RETURN(std::optional<Entry> similar, FindSimilar(e));
      if (similar) {
        results.push_back({absl::AlreadyExistsError("similar entry already exists"),
                           std::move(*similar)});
        continue;
      }
      if (e.id.empty()) e.id = NewUuid();
      e.created_at = now;
      e.revision_number = 0;
      absl::Status st = Exec("SAVEPOINT item");
      if (st.ok()) st = InsertEntry(e, now);
      if (!st.ok()) {
        DSTART_RETURN_IF_ERROR(Exec("ROLLBACK TO item"));
        if (absl::IsAlreadyExists(st)) st = absl::AlreadyExistsError("entry already exists");
        if (!absl::IsAlreadyExists(st) && !absl::IsNotFound(st)) return st;
        results.push_back({st, e});
      } else {
        results.push_back({absl::OkStatus(), e});
      }
      DSTART_RETURN_IF_ERROR(Exec("RELEASE item"));
    }
    DSTART_RETURN_IF_ERROR(tx.Commit());
    return results;
  }

  absl::StatusOr<std::vector<EntryResult>> UpdateEntries(std::vector<Entry> entries) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    std::vector<EntryResult> results;
    int64_t now = Now();
    for (Entry& e : entries) {
      DSTART_ASSIGN_OR_RETURN(std::optional<Row> old, FetchRow(e.id));
      if (!old) {
        results.push_back({absl::NotFoundError("entry not found"), e});
        continue;
      }
      e.created_at = old->entry.created_at;
      e.revision_number = old->entry.revision_number + 1;
      DSTART_RETURN_IF_ERROR(Exec("SAVEPOINT item"));
      absl::Status st = UpdateRow(old->rowid, e, now);
      if (!st.ok()) {
        DSTART_RETURN_IF_ERROR(Exec("ROLLBACK TO item"));
        if (!absl::IsNotFound(st)) return st;
        results.push_back({st, e});
      } else {
        results.push_back({absl::OkStatus(), e});
      }
      DSTART_RETURN_IF_ERROR(Exec("RELEASE item"));
    }
    DSTART_RETURN_IF_ERROR(tx.Commit());
    return results;
  }

  absl::StatusOr<std::vector<absl::Status>> DeleteEntries(
      const std::vector<std::string>& ids) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    std::vector<absl::Status> results;
    for (const std::string& id : ids) {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("DELETE FROM registered_entries WHERE entry_id = ?"));
      s.Bind(1, id);
      DSTART_RETURN_IF_ERROR(s.Run());
      results.push_back(sqlite3_changes(db_) == 0 ? absl::NotFoundError("entry not found")
                                                  : absl::OkStatus());
    }
    DSTART_RETURN_IF_ERROR(tx.Commit());
    return results;
  }

  absl::StatusOr<Entry> FetchEntry(const std::string& id) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(std::optional<Row> row, FetchRow(id));
    if (!row) return absl::NotFoundError("no such registration entry");
    return std::move(row->entry);
  }

  absl::StatusOr<EntryPage> ListEntries(const EntryFilter& filter, const std::string& page_token,
                                        int page_size) override {
    std::lock_guard lock(mu_);
    EntryPage page;
    int64_t cursor = 0;
    if (!page_token.empty()) {
      char* end = nullptr;
      cursor = std::strtoll(page_token.c_str(), &end, 10);
      if (end == page_token.c_str() || *end != '\0' || cursor < 0) {
        return absl::InvalidArgumentError(fmt::format("invalid page token \"{}\"", page_token));
      }
    }
    const int chunk = page_size > 0 ? std::max(page_size, 200) : 2000;
    for (;;) {
      DSTART_ASSIGN_OR_RETURN(std::vector<Row> rows, QueryRows(filter, cursor, chunk));
      if (rows.empty()) break;
      bool more = static_cast<int>(rows.size()) == chunk;
      for (Row& r : rows) {
        cursor = r.rowid;
        if (!PostFilter(filter, r.entry)) continue;
        page.entries.push_back(std::move(r.entry));
        if (page_size > 0 && static_cast<int>(page.entries.size()) == page_size) {
          page.next_page_token = std::to_string(cursor);
          return page;
        }
      }
      if (!more) break;
    }
    return page;
  }

  absl::StatusOr<int64_t> CountEntries(const EntryFilter& filter) override {
    if (NeedsPostFilter(filter)) {
      DSTART_ASSIGN_OR_RETURN(EntryPage all, ListEntries(filter, "", 0));
      return static_cast<int64_t>(all.entries.size());
    }
    std::lock_guard lock(mu_);
    std::vector<std::string> args;
    std::string where = WhereClause(filter, "", &args);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT COUNT(*) FROM registered_entries e" + where));
    for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
    int64_t n = s.Step() ? s.Int(0) : 0;
    DSTART_RETURN_IF_ERROR(s.status());
    return n;
  }

  absl::StatusOr<int64_t> PruneEntries(int64_t now) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("DELETE FROM registered_entries WHERE expiry != 0 AND expiry < ?"));
    s.Bind(1, now);
    DSTART_RETURN_IF_ERROR(s.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  absl::Status SetBundle(const std::string& trust_domain, const std::string& data) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("INSERT INTO bundles (created_at, updated_at, trust_domain, data) "
                        "VALUES (?1, ?1, ?2, ?3) ON CONFLICT(trust_domain) DO UPDATE SET "
                        "updated_at = ?1, data = ?3"));
    s.Bind(1, Now()).Bind(2, trust_domain).BindBlob(3, data);
    return s.Run();
  }

  absl::StatusOr<std::optional<std::string>> FetchBundle(
      const std::string& trust_domain) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT data FROM bundles WHERE trust_domain = ?"));
    s.Bind(1, trust_domain);
    std::optional<std::string> out;
    if (s.Step()) out = s.Text(0);
    DSTART_RETURN_IF_ERROR(s.status());
    return out;
  }

  absl::Status CreateAttestedNode(const AttestedNode& n) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    DSTART_ASSIGN_OR_RETURN(
        Stmt s,
        Prepare("INSERT INTO attested_node_entries (created_at, updated_at, spiffe_id, "
                "data_type, serial_number, expires_at, new_serial_number, new_expires_at, "
                "can_reattest, agent_version) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    BindNode(s, n);
    absl::Status st = s.Run();
    if (absl::IsAlreadyExists(st)) return absl::AlreadyExistsError("attested node already exists");
    DSTART_RETURN_IF_ERROR(st);
    DSTART_RETURN_IF_ERROR(ReplaceNodeSelectors(n));
    return tx.Commit();
  }

  absl::Status UpdateAttestedNode(const AttestedNode& n) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("UPDATE attested_node_entries SET updated_at = ?1, data_type = ?3, "
                        "serial_number = ?4, expires_at = ?5, new_serial_number = ?6, "
                        "new_expires_at = ?7, can_reattest = ?8, agent_version = ?9 "
                        "WHERE spiffe_id = ?2"));
    BindNode(s, n);
    DSTART_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db_) == 0) return absl::NotFoundError("attested node not found");
    DSTART_RETURN_IF_ERROR(ReplaceNodeSelectors(n));
    return tx.Commit();
  }

  absl::StatusOr<AttestedNode> FetchAttestedNode(const std::string& spiffe_id) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare(std::string(kNodeSelect) + " WHERE spiffe_id = ?"));
    s.Bind(1, spiffe_id);
    if (!s.Step()) {
      DSTART_RETURN_IF_ERROR(s.status());
      return absl::NotFoundError("attested node not found");
    }
    AttestedNode n = ReadNode(s);
    DSTART_RETURN_IF_ERROR(LoadNodeSelectors(n));
    return n;
  }

  absl::Status DeleteAttestedNode(const std::string& spiffe_id) override {
    std::lock_guard lock(mu_);
    Tx tx(this);
    DSTART_RETURN_IF_ERROR(tx.Begin());
    DSTART_ASSIGN_OR_RETURN(Stmt s,
                            Prepare("DELETE FROM attested_node_entries WHERE spiffe_id = ?"));
    s.Bind(1, spiffe_id);
    DSTART_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db_) == 0) return absl::NotFoundError("attested node not found");
    DSTART_ASSIGN_OR_RETURN(Stmt d,
                            Prepare("DELETE FROM node_resolver_map_entries WHERE spiffe_id = ?"));
    d.Bind(1, spiffe_id);
    DSTART_RETURN_IF_ERROR(d.Run());
    return tx.Commit();
  }

  absl::StatusOr<AgentPage> ListAttestedNodes(const AgentFilter& f, const std::string& page_token,
                                              int page_size) override {
    std::lock_guard lock(mu_);
    AgentPage page;
    std::string sql = std::string(kNodeSelect) + " WHERE spiffe_id > ?";
    std::vector<std::string> args{page_token};
    if (f.by_attestation_type) {
      sql += " AND data_type = ?";
      args.push_back(*f.by_attestation_type);
    }
    if (f.by_expires_before) sql += fmt::format(" AND expires_at < {}", *f.by_expires_before);
    if (f.by_banned) {
      sql += *f.by_banned ? " AND serial_number = '' AND new_serial_number = ''"
                          : " AND (serial_number != '' OR new_serial_number != '')";
    }
    if (f.by_can_reattest) sql += fmt::format(" AND can_reattest = {}", *f.by_can_reattest ? 1 : 0);
    sql += " ORDER BY spiffe_id";
    DSTART_ASSIGN_OR_RETURN(Stmt s, PrepareOnce(sql));
    for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
    while (s.Step()) {
      AttestedNode n = ReadNode(s);
      DSTART_RETURN_IF_ERROR(LoadNodeSelectors(n));
      if (f.by_selectors && !MatchSet(n.selectors, f.by_selectors->selectors, f.by_selectors->match)) {
        continue;
      }
      page.agents.push_back(std::move(n));
      if (page_size > 0 && static_cast<int>(page.agents.size()) == page_size) {
        page.next_page_token = page.agents.back().spiffe_id;
        break;
      }
    }
    DSTART_RETURN_IF_ERROR(s.status());
    return page;
  }

  absl::StatusOr<int64_t> CountAttestedNodes(const AgentFilter& filter) override {
    DSTART_ASSIGN_OR_RETURN(AgentPage all, ListAttestedNodes(filter, "", 0));
    return static_cast<int64_t>(all.agents.size());
  }

  absl::Status CreateJoinToken(const JoinToken& t) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT INTO join_tokens (token, expiry) VALUES (?, ?)"));
    s.Bind(1, t.token).Bind(2, t.expires_at);
    absl::Status st = s.Run();
    if (absl::IsAlreadyExists(st)) return absl::AlreadyExistsError("join token already exists");
    return st;
  }

  absl::StatusOr<JoinToken> FetchJoinToken(const std::string& token) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT token, expiry FROM join_tokens WHERE token = ?"));
    s.Bind(1, token);
    if (!s.Step()) {
      DSTART_RETURN_IF_ERROR(s.status());
      return absl::NotFoundError("join token not found");
    }
    return JoinToken{s.Text(0), s.Int(1)};
  }

  absl::Status DeleteJoinToken(const std::string& token) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("DELETE FROM join_tokens WHERE token = ?"));
    s.Bind(1, token);
    DSTART_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db_) == 0) return absl::NotFoundError("join token not found");
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> PruneJoinTokens(int64_t now) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("DELETE FROM join_tokens WHERE expiry < ?"));
    s.Bind(1, now);
    DSTART_RETURN_IF_ERROR(s.Run());
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  absl::Status SetCaJournal(const std::string& data) override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("INSERT INTO ca_journals (id, created_at, updated_at, data) VALUES "
                        "(1, ?1, ?1, ?2) ON CONFLICT(id) DO UPDATE SET updated_at = ?1, data = ?2"));
    s.Bind(1, Now()).BindBlob(2, data);
    return s.Run();
  }

  absl::StatusOr<std::optional<std::string>> FetchCaJournal() override {
    std::lock_guard lock(mu_);
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT data FROM ca_journals WHERE id = 1"));
    std::optional<std::string> out;
    if (s.Step()) out = s.Text(0);
    DSTART_RETURN_IF_ERROR(s.status());
    return out;
  }

 private:
  static constexpr const char* kNodeSelect =
      "SELECT spiffe_id, data_type, serial_number, expires_at, new_serial_number, "
      "new_expires_at, can_reattest, agent_version FROM attested_node_entries";
  static constexpr const char* kEntrySelect =
      "SELECT e.id, e.entry_id, e.spiffe_id, e.parent_id, e.ttl, e.admin, e.downstream, "
      "e.expiry, e.revision_number, e.store_svid, e.hint, e.jwt_svid_ttl, e.created_at "
      "FROM registered_entries e";

  // Commits on Commit(); rolls back if destroyed before.
  class Tx {
   public:
    explicit Tx(SqliteDataStore* ds) : ds_(ds) {}
    ~Tx() {
      if (open_) (void)ds_->Exec("ROLLBACK");
    }
    absl::Status Begin() {
      DSTART_RETURN_IF_ERROR(ds_->Exec("BEGIN IMMEDIATE"));
      open_ = true;
      return absl::OkStatus();
    }
    absl::Status Commit() {
      DSTART_RETURN_IF_ERROR(ds_->Exec("COMMIT"));
      open_ = false;
      return absl::OkStatus();
    }

   private:
    SqliteDataStore* ds_;
    bool open_ = false;
  };

  absl::Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return absl::InternalError(fmt::format("datastore: {}", msg));
    }
    return absl::OkStatus();
  }

  // A cached prepared statement for a fixed SQL text.
  absl::StatusOr<Stmt> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
        return absl::InternalError(fmt::format("datastore: {}", sqlite3_errmsg(db_)));
      }
      it = cache_.emplace(sql, s).first;
    }
    return Stmt(db_, it->second);
  }
  // A statement for SQL that varies with its values (page cursors, id lists): not cached.
  absl::StatusOr<Stmt> PrepareOnce(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      return absl::InternalError(fmt::format("datastore: {}", sqlite3_errmsg(db_)));
    }
    return Stmt(db_, s, /*owned=*/true);
  }

  void BindNode(Stmt& s, const AttestedNode& n) {
    s.Bind(1, Now()).Bind(2, n.spiffe_id).Bind(3, n.attestation_type).Bind(4, n.serial_number);
    s.Bind(5, n.expires_at).Bind(6, n.new_serial_number).Bind(7, n.new_expires_at);
    s.Bind(8, int64_t{n.can_reattest ? 1 : 0}).Bind(9, n.agent_version);
  }

  AttestedNode ReadNode(Stmt& s) {
    AttestedNode n;
    n.spiffe_id = s.Text(0);
    n.attestation_type = s.Text(1);
    n.serial_number = s.Text(2);
    n.expires_at = s.Int(3);
    n.new_serial_number = s.Text(4);
    n.new_expires_at = s.Int(5);
    n.can_reattest = s.Int(6) != 0;
    n.agent_version = s.Text(7);
    return n;
  }

  absl::Status ReplaceNodeSelectors(const AttestedNode& n) {
    DSTART_ASSIGN_OR_RETURN(Stmt d,
                            Prepare("DELETE FROM node_resolver_map_entries WHERE spiffe_id = ?"));
    d.Bind(1, n.spiffe_id);
    DSTART_RETURN_IF_ERROR(d.Run());
    for (const Selector& sel : n.selectors) {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT OR IGNORE INTO node_resolver_map_entries "
                                              "(spiffe_id, type, value) VALUES (?, ?, ?)"));
      s.Bind(1, n.spiffe_id).Bind(2, sel.type).Bind(3, sel.value);
      DSTART_RETURN_IF_ERROR(s.Run());
    }
    return absl::OkStatus();
  }

  absl::Status LoadNodeSelectors(AttestedNode& n) {
    DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT type, value FROM node_resolver_map_entries "
                                            "WHERE spiffe_id = ? ORDER BY id"));
    s.Bind(1, n.spiffe_id);
    while (s.Step()) n.selectors.push_back({s.Text(0), s.Text(1)});
    return s.status();
  }

  // The similar entry of spec §1.2, if any: same parent, SPIFFE ID and selector set.
  absl::StatusOr<std::optional<Entry>> FindSimilar(const Entry& e) {
    std::vector<int64_t> candidates;
    {
      // "+parent_id": look up by the SPIFFE ID index. Most entries share one parent (the
      // agent), so without statistics SQLite's pick of the parent_id index scans them all.
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT id FROM registered_entries WHERE "
                                              "spiffe_id = ? AND +parent_id = ?"));
      s.Bind(1, e.spiffe_id).Bind(2, e.parent_id);
      while (s.Step()) candidates.push_back(s.Int(0));
      DSTART_RETURN_IF_ERROR(s.status());
    }
    if (candidates.empty()) return std::optional<Entry>();
    std::vector<Selector> want = e.selectors;
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    for (int64_t rowid : candidates) {
      std::vector<Selector> have;
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("SELECT type, value FROM selectors WHERE "
                                              "registered_entry_id = ? ORDER BY type, value"));
      s.Bind(1, rowid);
      while (s.Step()) have.push_back({s.Text(0), s.Text(1)});
      DSTART_RETURN_IF_ERROR(s.status());
      if (have == want) {
        DSTART_ASSIGN_OR_RETURN(std::vector<Row> rows,
                                LoadRowsWhere(" WHERE e.id = ?", {std::to_string(rowid)}, false));
        if (!rows.empty()) return std::optional<Entry>(std::move(rows[0].entry));
      }
    }
    return std::optional<Entry>();
  }

  absl::Status InsertEntry(const Entry& e, int64_t now) {
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("INSERT INTO registered_entries (created_at, updated_at, entry_id, "
                        "spiffe_id, parent_id, ttl, admin, downstream, expiry, revision_number, "
                        "store_svid, hint, jwt_svid_ttl) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, "
                        "?7, ?8, ?9, ?10, ?11, ?12)"));
    s.Bind(1, e.created_at).Bind(2, e.id).Bind(3, e.spiffe_id).Bind(4, e.parent_id);
    s.Bind(5, int64_t{e.x509_svid_ttl}).Bind(6, int64_t{e.admin}).Bind(7, int64_t{e.downstream});
    s.Bind(8, e.expires_at).Bind(9, e.revision_number).Bind(10, int64_t{e.store_svid});
    s.Bind(11, e.hint).Bind(12, int64_t{e.jwt_svid_ttl});
    DSTART_RETURN_IF_ERROR(s.Run());
    return InsertChildren(sqlite3_last_insert_rowid(db_), e);
  }

  absl::Status UpdateRow(int64_t rowid, const Entry& e, int64_t now) {
    DSTART_ASSIGN_OR_RETURN(
        Stmt s, Prepare("UPDATE registered_entries SET updated_at = ?1, spiffe_id = ?2, "
                        "parent_id = ?3, ttl = ?4, admin = ?5, downstream = ?6, expiry = ?7, "
                        "revision_number = ?8, store_svid = ?9, hint = ?10, jwt_svid_ttl = ?11 "
                        "WHERE id = ?12"));
    s.Bind(1, now).Bind(2, e.spiffe_id).Bind(3, e.parent_id).Bind(4, int64_t{e.x509_svid_ttl});
    s.Bind(5, int64_t{e.admin}).Bind(6, int64_t{e.downstream}).Bind(7, e.expires_at);
    s.Bind(8, e.revision_number).Bind(9, int64_t{e.store_svid}).Bind(10, e.hint);
    s.Bind(11, int64_t{e.jwt_svid_ttl}).Bind(12, rowid);
    DSTART_RETURN_IF_ERROR(s.Run());
    for (const char* table : {"selectors", "dns_names", "federated_registration_entries"}) {
      DSTART_ASSIGN_OR_RETURN(
          Stmt d, Prepare(fmt::format("DELETE FROM {} WHERE registered_entry_id = ?", table)));
      d.Bind(1, rowid);
      DSTART_RETURN_IF_ERROR(d.Run());
    }
    return InsertChildren(rowid, e);
  }

  absl::Status InsertChildren(int64_t rowid, const Entry& e) {
    for (const Selector& sel : e.selectors) {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT OR IGNORE INTO selectors "
                                              "(registered_entry_id, type, value) VALUES (?, ?, ?)"));
      s.Bind(1, rowid).Bind(2, sel.type).Bind(3, sel.value);
      DSTART_RETURN_IF_ERROR(s.Run());
    }
    for (const std::string& dns : e.dns_names) {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT OR IGNORE INTO dns_names "
                                              "(registered_entry_id, value) VALUES (?, ?)"));
      s.Bind(1, rowid).Bind(2, dns);
      DSTART_RETURN_IF_ERROR(s.Run());
    }
    for (const std::string& td : e.federates_with) {
      DSTART_ASSIGN_OR_RETURN(Stmt s, Prepare("INSERT OR IGNORE INTO "
                                              "federated_registration_entries (bundle_id, "
                                              "registered_entry_id) SELECT id, ? FROM bundles "
                                              "WHERE trust_domain = ?"));
      s.Bind(1, rowid).Bind(2, td);
      DSTART_RETURN_IF_ERROR(s.Run());
      if (sqlite3_changes(db_) == 0) {
        DSTART_ASSIGN_OR_RETURN(Stmt c, Prepare("SELECT 1 FROM bundles WHERE trust_domain = ?"));
        c.Bind(1, td);
        bool exists = c.Step();
        DSTART_RETURN_IF_ERROR(c.status());
        if (!exists) {
          return absl::NotFoundError(fmt::format(
              "unable to find federated bundle \"spiffe://{}\"", td));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<Row>> FetchRow(const std::string& id) {
    DSTART_ASSIGN_OR_RETURN(std::vector<Row> rows,
                            LoadRowsWhere(" WHERE e.entry_id = ?", {id}, false));
    if (rows.empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows[0]));
  }

  static bool NeedsPostFilter(const EntryFilter& f) {
    return (f.by_selectors && f.by_selectors->match != Match::kSuperset) ||
           f.by_federates_with.has_value();
  }

  // SQL conditions for the filter's indexed parts; the rest is checked by PostFilter.
  static std::string WhereClause(const EntryFilter& f, const std::string& cursor_cond,
                                 std::vector<std::string>* args) {
    std::vector<std::string> conds;
    if (!cursor_cond.empty()) conds.push_back(cursor_cond);
    if (f.by_spiffe_id) {
      conds.push_back("e.spiffe_id = ?");
      args->push_back(*f.by_spiffe_id);
    }
    if (f.by_parent_id) {
      conds.push_back("e.parent_id = ?");
      args->push_back(*f.by_parent_id);
    }
    if (f.by_hint) {
      conds.push_back("e.hint = ?");
      args->push_back(*f.by_hint);
    }
    if (f.by_downstream && *f.by_downstream) conds.push_back("e.downstream = 1");
    if (f.by_selectors && !f.by_selectors->selectors.empty()) {
      const auto& sels = f.by_selectors->selectors;
      if (f.by_selectors->match == Match::kExact || f.by_selectors->match == Match::kSuperset) {
        for (const Selector& s : sels) {
          conds.push_back(
              "e.id IN (SELECT registered_entry_id FROM selectors WHERE type = ? AND value = ?)");
          args->push_back(s.type);
          args->push_back(s.value);
        }
      } else {
        // any and subset: an entry has at least one selector, so it shares one with the set.
        std::string any;
        for (const Selector& s : sels) {
          if (!any.empty()) any += " OR ";
          any += "(type = ? AND value = ?)";
          args->push_back(s.type);
          args->push_back(s.value);
        }
        conds.push_back("e.id IN (SELECT registered_entry_id FROM selectors WHERE " + any + ")");
      }
    }
    if (f.by_federates_with && !f.by_federates_with->trust_domains.empty() &&
        (f.by_federates_with->match == Match::kExact ||
         f.by_federates_with->match == Match::kSuperset)) {
      for (const std::string& td : f.by_federates_with->trust_domains) {
        conds.push_back(
            "e.id IN (SELECT f.registered_entry_id FROM federated_registration_entries f JOIN "
            "bundles b ON b.id = f.bundle_id WHERE b.trust_domain = ?)");
        args->push_back(td);
      }
    }
    std::string where;
    for (const std::string& c : conds) where += (where.empty() ? " WHERE " : " AND ") + c;
    return where;
  }

  static bool PostFilter(const EntryFilter& f, const Entry& e) {
    if (f.by_selectors && !MatchSet(e.selectors, f.by_selectors->selectors, f.by_selectors->match)) {
      return false;
    }
    if (f.by_federates_with &&
        !MatchSet(e.federates_with, f.by_federates_with->trust_domains, f.by_federates_with->match)) {
      return false;
    }
    return true;
  }

  // Entries after the cursor (a rowid) in rowid order, that is creation order.
  absl::StatusOr<std::vector<Row>> QueryRows(const EntryFilter& f, int64_t cursor, int limit) {
    std::vector<std::string> args;
    std::string where = WhereClause(f, fmt::format("e.id > {}", cursor), &args);
    return LoadRowsWhere(where + fmt::format(" ORDER BY e.id LIMIT {}", limit), args, true);
  }

  // Loads entries with their selectors, DNS names and federated trust domains.
  absl::StatusOr<std::vector<Row>> LoadRowsWhere(const std::string& tail,
                                                 const std::vector<std::string>& args,
                                                 bool dynamic) {
    std::vector<Row> rows;
    {
      std::string sql = std::string(kEntrySelect) + tail;
      DSTART_ASSIGN_OR_RETURN(Stmt s, dynamic ? PrepareOnce(sql) : Prepare(sql));
      for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
      while (s.Step()) {
        Row r;
        r.rowid = s.Int(0);
        Entry& e = r.entry;
        e.id = s.Text(1);
        e.spiffe_id = s.Text(2);
        e.parent_id = s.Text(3);
        e.x509_svid_ttl = static_cast<int32_t>(s.Int(4));
        e.admin = s.Int(5) != 0;
        e.downstream = s.Int(6) != 0;
        e.expires_at = s.Int(7);
        e.revision_number = s.Int(8);
        e.store_svid = s.Int(9) != 0;
        e.hint = s.Text(10);
        e.jwt_svid_ttl = static_cast<int32_t>(s.Int(11));
        e.created_at = s.Int(12);
        rows.push_back(std::move(r));
      }
      DSTART_RETURN_IF_ERROR(s.status());
    }
    if (rows.empty()) return rows;
    std::unordered_map<int64_t, Entry*> by_rowid;
    std::string ids;
    for (Row& r : rows) {
      by_rowid[r.rowid] = &r.entry;
      if (!ids.empty()) ids += ',';
      ids += std::to_string(r.rowid);
    }
    // One query per child table for the whole set of rows.
    std::string in = " IN (" + ids + ")";
    {
      DSTART_ASSIGN_OR_RETURN(
          Stmt s, PrepareOnce("SELECT registered_entry_id, type, value FROM selectors WHERE "
                              "registered_entry_id" + in + " ORDER BY id"));
      while (s.Step()) {
        auto it = by_rowid.find(s.Int(0));
        if (it != by_rowid.end()) it->second->selectors.push_back({s.Text(1), s.Text(2)});
      }
      DSTART_RETURN_IF_ERROR(s.status());
    }
    {
      DSTART_ASSIGN_OR_RETURN(
          Stmt s, PrepareOnce("SELECT registered_entry_id, value FROM dns_names WHERE "
                              "registered_entry_id" + in + " ORDER BY id"));
      while (s.Step()) {
        auto it = by_rowid.find(s.Int(0));
        if (it != by_rowid.end()) it->second->dns_names.push_back(s.Text(1));
      }
      DSTART_RETURN_IF_ERROR(s.status());
    }
    {
      DSTART_ASSIGN_OR_RETURN(
          Stmt s, PrepareOnce("SELECT f.registered_entry_id, b.trust_domain FROM "
                              "federated_registration_entries f JOIN bundles b ON b.id = "
                              "f.bundle_id WHERE f.registered_entry_id" + in + " ORDER BY b.trust_domain"));
      while (s.Step()) {
        auto it = by_rowid.find(s.Int(0));
        if (it != by_rowid.end()) it->second->federates_with.push_back(s.Text(1));
      }
      DSTART_RETURN_IF_ERROR(s.status());
    }
    return rows;
  }

  std::mutex mu_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

int SqliteSchemaVersion() { return kSchemaVersion; }

absl::StatusOr<std::unique_ptr<DataStore>> OpenSqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::UnavailableError(
        fmt::format("cannot open datastore \"{}\": {}", path, msg));
  }
  auto ds = std::make_unique<SqliteDataStore>(db);
  if (absl::Status st = ds->Init(); !st.ok()) {
    return absl::Status(st.code(), fmt::format("datastore \"{}\": {}", path, std::string(st.message())));
  }
  return std::unique_ptr<DataStore>(std::move(ds));
}

}  // namespace dstart::server::datastore
