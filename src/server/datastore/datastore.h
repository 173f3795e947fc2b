// The DataStore plugin kind: where the server keeps entries, agents, bundles, join tokens and
// the CA journal (spec/spire.md §6.3). SQLite is the built-in implementation; the interface
// speaks only in the server's own types so that a PostgreSQL implementation can follow without
// changing callers.
//
// Thread-safety: every method may be called from any thread. Durability: a write has been
// committed to stable storage before the call returns OK.
#ifndef DSTART_SERVER_DATASTORE_DATASTORE_H_
#define DSTART_SERVER_DATASTORE_DATASTORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/types.h"

namespace dstart::server::datastore {

class DataStore {
 public:
  virtual ~DataStore() = default;

  // Creates the entries in one transaction. Per entry the result is OK with the stored entry
  // (id assigned when empty, created_at set, revision 0), AlreadyExists "similar entry already
  // exists" with the existing entry (same parent, SPIFFE ID and selector set, spec §1.2),
  // AlreadyExists for a duplicate entry id, or NotFound "unable to find federated bundle ...".
  // A non-OK return means nothing was written.
  virtual absl::StatusOr<std::vector<EntryResult>> CreateEntries(std::vector<Entry> entries) = 0;
  // Replaces each entry (matched by id) whole, keeping created_at and bumping revision_number.
  // Per entry: OK, NotFound, or NotFound for a missing federated bundle.
  virtual absl::StatusOr<std::vector<EntryResult>> UpdateEntries(std::vector<Entry> entries) = 0;
  // Per id: OK or NotFound.
  virtual absl::StatusOr<std::vector<absl::Status>> DeleteEntries(
      const std::vector<std::string>& ids) = 0;
  // NotFound when there is no such entry.
  virtual absl::StatusOr<Entry> FetchEntry(const std::string& id) = 0;
  // Entries matching `filter`, ordered by entry id, starting after `page_token` (empty: from
  // the start). page_size 0 returns everything.
  virtual absl::StatusOr<EntryPage> ListEntries(const EntryFilter& filter,
                                                const std::string& page_token,
                                                int page_size) = 0;
  virtual absl::StatusOr<int64_t> CountEntries(const EntryFilter& filter) = 0;
  // Deletes entries whose expires_at is non-zero and before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PruneEntries(int64_t now) = 0;

  // Bundles, keyed by trust domain name; `data` is opaque to the datastore.
  virtual absl::Status SetBundle(const std::string& trust_domain, const std::string& data) = 0;
  virtual absl::StatusOr<std::optional<std::string>> FetchBundle(
      const std::string& trust_domain) = 0;

  // Attested agents. Create fails with AlreadyExists; Update/Fetch/Delete with NotFound.
  // The node's selectors are replaced by Create and Update.
  virtual absl::Status CreateAttestedNode(const AttestedNode& node) = 0;
  virtual absl::Status UpdateAttestedNode(const AttestedNode& node) = 0;
  virtual absl::StatusOr<AttestedNode> FetchAttestedNode(const std::string& spiffe_id) = 0;
  virtual absl::Status DeleteAttestedNode(const std::string& spiffe_id) = 0;
  virtual absl::StatusOr<AgentPage> ListAttestedNodes(const AgentFilter& filter,
                                                      const std::string& page_token,
                                                      int page_size) = 0;
  virtual absl::StatusOr<int64_t> CountAttestedNodes(const AgentFilter& filter) = 0;

  // Join tokens: Create fails with AlreadyExists; Fetch and Delete with NotFound.
  virtual absl::Status CreateJoinToken(const JoinToken& token) = 0;
  virtual absl::StatusOr<JoinToken> FetchJoinToken(const std::string& token) = 0;
  virtual absl::Status DeleteJoinToken(const std::string& token) = 0;
  virtual absl::StatusOr<int64_t> PruneJoinTokens(int64_t now) = 0;

  // The CA journal (opaque to the datastore): the CA manager's record of its authorities.
  virtual absl::Status SetCaJournal(const std::string& data) = 0;
  virtual absl::StatusOr<std::optional<std::string>> FetchCaJournal() = 0;
};

// Opens (creating if needed) the SQLite database at `path`, in WAL mode with synchronous=FULL,
// and applies pending schema migrations. Fails if the file's schema is newer than this code.
absl::StatusOr<std::unique_ptr<DataStore>> OpenSqlite(const std::string& path);

// The schema version this build writes.
int SqliteSchemaVersion();

}  // namespace dstart::server::datastore

#endif  // DSTART_SERVER_DATASTORE_DATASTORE_H_
