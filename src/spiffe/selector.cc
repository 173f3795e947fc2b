#include "spiffe/selector.h"

#include <fmt/format.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace dstart::spiffe {
namespace {

std::string Quote(std::string_view text) {
  return "\"" + absl::CHexEscape(std::string(text.substr(0, 256))) + "\"" +
         (text.size() > 256 ? "..." : "");
}

}  // namespace

absl::StatusOr<Selector> Selector::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("invalid selector {}: must be \"type:value\" (no ':' found)", Quote(text)));
  }
  if (colon == 0) {
    return absl::InvalidArgumentError(
        fmt::format("invalid selector {}: type (before the first ':') is empty", Quote(text)));
  }
  if (colon + 1 == text.size()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid selector {}: value (after the first ':') is empty", Quote(text)));
  }
  return Selector{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

absl::StatusOr<Selector> Selector::Make(std::string_view type, std::string_view value) {
  if (type.empty()) return absl::InvalidArgumentError("invalid selector: type is empty");
  if (type.find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        fmt::format("invalid selector type {}: cannot contain ':'", Quote(type)));
  }
  if (value.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid selector of type {}: value is empty", Quote(type)));
  }
  return Selector{std::string(type), std::string(value)};
}

absl::StatusOr<MatchBehavior> ParseMatchBehavior(std::string_view text) {
  if (text == "exact") return MatchBehavior::kExact;
  if (text == "superset") return MatchBehavior::kSuperset;
  if (text == "subset") return MatchBehavior::kSubset;
  if (text == "any") return MatchBehavior::kAny;
  return absl::InvalidArgumentError(fmt::format(
      "unsupported match behavior {}: must be one of exact, superset, subset, any", Quote(text)));
}

std::string_view MatchBehaviorName(MatchBehavior behavior) {
  switch (behavior) {
    case MatchBehavior::kExact:
      return "exact";
    case MatchBehavior::kSuperset:
      return "superset";
    case MatchBehavior::kSubset:
      return "subset";
    case MatchBehavior::kAny:
      return "any";
  }
  return "unknown";
}

bool MatchSelectors(const SelectorSet& entry, const SelectorSet& given, MatchBehavior behavior) {
  switch (behavior) {
    case MatchBehavior::kExact:
      return entry == given;
    case MatchBehavior::kSuperset:
      return std::includes(entry.begin(), entry.end(), given.begin(), given.end());
    case MatchBehavior::kSubset:
      return std::includes(given.begin(), given.end(), entry.begin(), entry.end());
    case MatchBehavior::kAny:
      return std::any_of(given.begin(), given.end(),
                         [&](const Selector& s) { return entry.count(s) > 0; });
  }
  return false;
}

bool EntryMatchesWorkload(const SelectorSet& entry, const SelectorSet& workload) {
  return !entry.empty() && MatchSelectors(entry, workload, MatchBehavior::kSubset);
}

}  // namespace dstart::spiffe
