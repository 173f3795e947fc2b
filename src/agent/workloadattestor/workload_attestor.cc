#include "agent/workloadattestor/workload_attestor.h"

#include <string>

#include "absl/status/status.h"
#include "common/log.h"

namespace dstart::agent::workloadattestor {

absl::StatusOr<spiffe::SelectorSet> AttestWorkload(
    const std::vector<std::shared_ptr<const WorkloadAttestor>>& attestors, int pid,
    const common::Logger& logger) {
  spiffe::SelectorSet selectors;
  size_t failures = 0;
  for (const auto& attestor : attestors) {
    auto got = attestor->Attest(pid);
    if (!got.ok()) {
      ++failures;
      DSTART_LOG_WARN(logger, "Workload attestor failed",
                      {{"attestor", std::string(attestor->name())},
                       {"error", std::string(got.status().message())},
                       {"pid", pid},
                       {"subsystem_name", "workload_attestor"}});
      continue;
    }
    for (auto& s : *got) selectors.insert(std::move(s));
  }
  if (!attestors.empty() && failures == attestors.size()) {
    return absl::UnavailableError("workload attestation failed");
  }
  return selectors;
}

}  // namespace dstart::agent::workloadattestor
