#include "agent/cli/explain.h"

#include <algorithm>

#include "fmt/format.h"

namespace dstart::agent::cli {

std::vector<EntryVerdict> ExplainSelectors(const spiffe::SelectorSet& workload,
                                           const std::vector<ExplainEntry>& entries) {
  std::vector<EntryVerdict> out;
  for (const ExplainEntry& e : entries) {
    EntryVerdict v{e, {}, spiffe::EntryMatchesWorkload(e.selectors, workload)};
    for (const auto& s : e.selectors) {
      if (!workload.count(s)) v.missing.insert(s);
    }
    out.push_back(std::move(v));
  }
  std::stable_sort(out.begin(), out.end(), [](const EntryVerdict& a, const EntryVerdict& b) {
    if (a.matches != b.matches) return a.matches;
    return a.entry.entry_id < b.entry.entry_id;
  });
  return out;
}

std::string FormatExplain(int pid, const spiffe::SelectorSet& workload,
                          const std::vector<EntryVerdict>& verdicts) {
  std::string out = fmt::format("Process {} has selectors:\n", pid);
  for (const auto& s : workload) out += "  " + s.String() + "\n";
  if (workload.empty()) out += "  (none)\n";
  size_t matching = std::count_if(verdicts.begin(), verdicts.end(),
                                  [](const EntryVerdict& v) { return v.matches; });
  out += fmt::format("Matching entries: {}\n", matching);
  for (const auto& v : verdicts) {
    if (v.matches) out += fmt::format("  {} {}\n", v.entry.entry_id, v.entry.spiffe_id);
  }
  if (matching < verdicts.size()) {
    out += "Entries that do not match:\n";
    for (const auto& v : verdicts) {
      if (v.matches) continue;
      std::string missing;
      for (const auto& s : v.missing) missing += (missing.empty() ? "" : ", ") + s.String();
      if (v.entry.selectors.empty()) missing = "(the entry has no selectors)";
      out += fmt::format("  {} {} missing: {}\n", v.entry.entry_id, v.entry.spiffe_id, missing);
    }
  }
  if (matching == 0) {
    out += "No identity would be issued to this process.\n";
  }
  return out;
}

}  // namespace dstart::agent::cli
