// Selector parsing and set matching: never crashes; parse/print round-trips; the match modes
// agree with one another (exact == subset && superset; exact implies any for non-empty sets).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spiffe/selector.h"

using namespace dstart::spiffe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto one = Selector::Parse(text);
  if (one.ok()) {
    if (one->String() != text || one->type.empty() || one->value.empty() ||
        one->type.find(':') != std::string::npos) {
      std::abort();
    }
  }
  // Lines before a blank line form the entry's set, the rest the given set.
  SelectorSet entry, given;
  SelectorSet* target = &entry;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    if (line.empty()) {
      target = &given;
    } else if (auto s = Selector::Parse(line); s.ok()) {
      target->insert(*s);
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  bool exact = MatchSelectors(entry, given, MatchBehavior::kExact);
  bool sub = MatchSelectors(entry, given, MatchBehavior::kSubset);
  bool super = MatchSelectors(entry, given, MatchBehavior::kSuperset);
  bool any = MatchSelectors(entry, given, MatchBehavior::kAny);
  if (exact != (sub && super)) std::abort();
  if (exact && !entry.empty() && !any) std::abort();
  if (EntryMatchesWorkload(entry, given) != (sub && !entry.empty())) std::abort();
  return 0;
}
