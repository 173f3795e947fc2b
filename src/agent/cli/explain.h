// "Why no identity?" in one command (beyond SPIRE): the selectors a process has and, for every
// entry the agent holds, the entry's selectors that process lacks.
#ifndef DSTART_AGENT_CLI_EXPLAIN_H_
#define DSTART_AGENT_CLI_EXPLAIN_H_

#include <string>
#include <vector>

#include "spiffe/selector.h"

namespace dstart::agent::cli {

struct ExplainEntry {
  std::string entry_id;
  std::string spiffe_id;
  spiffe::SelectorSet selectors;
};

struct EntryVerdict {
  ExplainEntry entry;
  spiffe::SelectorSet missing;  // Empty: the entry matches (or has no selectors at all).
  bool matches = false;
};

// Every entry with the selectors of it that `workload` lacks, matching entries first, each group
// in entry ID order.
std::vector<EntryVerdict> ExplainSelectors(const spiffe::SelectorSet& workload,
                                           const std::vector<ExplainEntry>& entries);

// The report `dstart agent explain -pid N` prints:
//   Process <pid> has selectors:
//     unix:uid:0
//     ...
//   Matching entries: 1
//     <entry id> spiffe://... 
//   Entries that do not match:
//     <entry id> spiffe://... missing: docker:label:com.docker.compose.service:x
std::string FormatExplain(int pid, const spiffe::SelectorSet& workload,
                          const std::vector<EntryVerdict>& verdicts);

}  // namespace dstart::agent::cli

#endif  // DSTART_AGENT_CLI_EXPLAIN_H_
