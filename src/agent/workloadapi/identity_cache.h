// What the Workload API serves from: the agent's view of the identities a workload may have.
// The agent's SVID cache implements it; StaticIdentityCache (static_identity_cache.h) is an
// in-memory implementation for tests, benchmarks and tools.
#ifndef DSTART_AGENT_WORKLOADAPI_IDENTITY_CACHE_H_
#define DSTART_AGENT_WORKLOADAPI_IDENTITY_CACHE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spiffe/bundle.h"
#include "spiffe/id.h"
#include "spiffe/selector.h"
#include "spiffe/x509_svid.h"

namespace dstart::agent::workloadapi {

// One registration entry a workload matched, with its current X.509-SVID.
struct WorkloadIdentity {
  std::string entry_id;
  std::shared_ptr<const spiffe::X509Svid> svid;  // Never null; its id() is the entry's SPIFFE ID.
  std::string hint;
  std::vector<spiffe::TrustDomain> federates_with;
};

// Thread-safety: every method may be called from any number of threads at once.
class IdentityCache {
 public:
  virtual ~IdentityCache() = default;

  // The agent's own trust domain.
  virtual const spiffe::TrustDomain& trust_domain() const = 0;

  // The identities whose entry selectors are all among `workload` (spec/spire.md §1.4), sorted by
  // entry ID, each with an SVID. Entries not yet holding an SVID are left out.
  virtual std::vector<WorkloadIdentity> Match(const spiffe::SelectorSet& workload) const = 0;

  // The own trust domain's bundle and the federated ones. Never null.
  virtual std::shared_ptr<const spiffe::BundleSet> Bundles() const = 0;

  // A JWT-SVID for `identity` with `audience` (non-empty). Errors are reported to the caller as
  // Unavailable "could not fetch JWT-SVID: <message>".
  virtual absl::StatusOr<std::string> MintJwtSvid(const WorkloadIdentity& identity,
                                                  const std::vector<std::string>& audience) = 0;

  // A counter that grows whenever anything above may have changed (entries, SVIDs, bundles).
  virtual uint64_t Generation() const = 0;

  // Blocks until Generation() != `seen` or `timeout` passes; true when it changed.
  virtual bool WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const = 0;
};

}  // namespace dstart::agent::workloadapi

#endif  // DSTART_AGENT_WORKLOADAPI_IDENTITY_CACHE_H_
