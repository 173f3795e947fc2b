// The WorkloadAttestor plugin kind (spec/spire.md §4): given the pid of a Workload API caller,
// report the selectors that describe it. Implementations: unix/ and docker/.
#ifndef DSTART_AGENT_WORKLOADATTESTOR_WORKLOAD_ATTESTOR_H_
#define DSTART_AGENT_WORKLOADATTESTOR_WORKLOAD_ATTESTOR_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "spiffe/selector.h"

namespace dstart::common {
class Logger;
}

namespace dstart::agent::workloadattestor {

// Thread-safety: Attest may be called from many threads at once.
class WorkloadAttestor {
 public:
  virtual ~WorkloadAttestor() = default;
  // The selector type this plugin produces ("unix", "docker").
  virtual std::string_view name() const = 0;
  // The selectors of process `pid` (each with type name()). An empty list is a success (e.g. a
  // process that is not in a container, for docker). An error means the plugin could not tell.
  virtual absl::StatusOr<std::vector<spiffe::Selector>> Attest(int pid) const = 0;
};

// Runs every attestor on `pid` and unions their selectors (spec/spire.md §4.1): a failing plugin
// is logged (WARN) and dropped; the call fails with Unavailable "workload attestation failed" only
// when every plugin failed. With no attestors the result is the empty set.
absl::StatusOr<spiffe::SelectorSet> AttestWorkload(
    const std::vector<std::shared_ptr<const WorkloadAttestor>>& attestors, int pid,
    const common::Logger& logger);

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_WORKLOAD_ATTESTOR_H_
