// Selectors ("type:value") and SPIRE's selector-set matching (spec/spire.md §1.4 and the
// `-matchSelectorsOn` filter of `entry show`).
#ifndef DSTART_SPIFFE_SELECTOR_H_
#define DSTART_SPIFFE_SELECTOR_H_

#include <compare>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace dstart::spiffe {

struct Selector {
  std::string type;   // e.g. "unix", "docker"; non-empty, no ':'.
  std::string value;  // e.g. "uid:1000"; non-empty, may contain ':'.

  // Splits at the FIRST colon: "unix:uid:1000" is type "unix", value "uid:1000". Both halves
  // must be non-empty.
  static absl::StatusOr<Selector> Parse(std::string_view text);
  // Checks an already separated pair with the same rules as Parse.
  static absl::StatusOr<Selector> Make(std::string_view type, std::string_view value);

  // "type:value".
  std::string String() const { return type + ":" + value; }

  friend bool operator==(const Selector&, const Selector&) = default;
  friend auto operator<=>(const Selector&, const Selector&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const Selector& s) {
    return H::combine(std::move(h), s.type, s.value);
  }
};

// Selectors are compared as exact (type, value) pairs; a set holds each once, sorted.
using SelectorSet = std::set<Selector>;

// How an entry's selectors are compared with the selectors asked for (SPIRE's
// `-matchSelectorsOn`):
//   kExact    the entry's set equals the given set;
//   kSuperset the entry's set contains every given selector (SPIRE's default for filters);
//   kSubset   every selector of the entry is among the given ones (how a workload's attested
//             selectors select entries: an entry matches iff entry ⊆ workload);
//   kAny      the two sets share at least one selector.
enum class MatchBehavior { kExact, kSuperset, kSubset, kAny };

// "exact", "superset", "subset" or "any".
absl::StatusOr<MatchBehavior> ParseMatchBehavior(std::string_view text);
std::string_view MatchBehaviorName(MatchBehavior behavior);

bool MatchSelectors(const SelectorSet& entry, const SelectorSet& given, MatchBehavior behavior);

// True iff every selector of `entry` is among the workload's attested `workload` selectors and
// the entry has at least one selector (an entry without selectors matches nothing).
bool EntryMatchesWorkload(const SelectorSet& entry, const SelectorSet& workload);

}  // namespace dstart::spiffe

#endif  // DSTART_SPIFFE_SELECTOR_H_
