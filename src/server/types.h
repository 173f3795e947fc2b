// The server's data model: registration entries, attested agents and join tokens as the
// datastore stores them and the APIs exchange them (spec/spire.md §1.1, §6.3).
#ifndef DSTART_SERVER_TYPES_H_
#define DSTART_SERVER_TYPES_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "spiffe/selector.h"

namespace dstart::server {

using spiffe::Selector;
using Match = spiffe::MatchBehavior;

// A registration entry. SPIFFE IDs are kept as their URI strings ("spiffe://td/path"); they are
// validated (ValidateEntry) before they reach the datastore.
struct Entry {
  std::string id;  // empty on create: the datastore assigns a random UUIDv4
  std::string spiffe_id;
  std::string parent_id;
  std::vector<Selector> selectors;
  int32_t x509_svid_ttl = 0;  // seconds; 0 = server default
  int32_t jwt_svid_ttl = 0;   // seconds; 0 = server default
  std::vector<std::string> federates_with;  // trust domain names ("example.org")
  bool admin = false;
  bool downstream = false;
  int64_t expires_at = 0;  // unix seconds; 0 = never
  std::vector<std::string> dns_names;
  int64_t revision_number = 0;
  bool store_svid = false;
  std::string hint;
  int64_t created_at = 0;  // unix seconds, set by the datastore

  friend bool operator==(const Entry&, const Entry&) = default;
};

// The outcome of one item of a batch call.
struct EntryResult {
  absl::Status status;
  Entry entry;  // the stored entry; for AlreadyExists, the existing similar entry
};

struct SelectorMatch {
  std::vector<Selector> selectors;
  Match match = Match::kSuperset;
};

struct FederatesWithMatch {
  std::vector<std::string> trust_domains;
  Match match = Match::kSuperset;
};

// Every filter of `entry show`; unset members do not filter.
struct EntryFilter {
  std::optional<std::string> by_spiffe_id;
  std::optional<std::string> by_parent_id;
  std::optional<SelectorMatch> by_selectors;
  std::optional<FederatesWithMatch> by_federates_with;
  std::optional<std::string> by_hint;
  std::optional<bool> by_downstream;  // only `true` filters (spec/spire.md §2.3)
};

struct EntryPage {
  std::vector<Entry> entries;
  std::string next_page_token;  // empty: no more pages
};

// An attested agent (node). Banned = both serial numbers empty.
struct AttestedNode {
  std::string spiffe_id;
  std::string attestation_type;
  std::string serial_number;
  int64_t expires_at = 0;
  std::string new_serial_number;
  int64_t new_expires_at = 0;
  bool can_reattest = false;
  std::string agent_version;
  std::vector<Selector> selectors;  // node selectors from attestation

  bool banned() const { return serial_number.empty() && new_serial_number.empty(); }
  friend bool operator==(const AttestedNode&, const AttestedNode&) = default;
};

struct AgentFilter {
  std::optional<std::string> by_attestation_type;
  std::optional<SelectorMatch> by_selectors;
  std::optional<int64_t> by_expires_before;
  std::optional<bool> by_banned;
  std::optional<bool> by_can_reattest;
};

struct AgentPage {
  std::vector<AttestedNode> agents;
  std::string next_page_token;
};

struct JoinToken {
  std::string token;
  int64_t expires_at = 0;
};

// True when `have` relates to `want` as `match` asks (spiffe::MatchSelectors for selectors; the
// same rules for trust domain names). Inputs need not be sorted.
bool MatchSet(std::vector<Selector> have, std::vector<Selector> want, Match match);
bool MatchSet(std::vector<std::string> have, std::vector<std::string> want, Match match);

}  // namespace dstart::server

#endif  // DSTART_SERVER_TYPES_H_
