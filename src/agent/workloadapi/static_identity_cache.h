// An IdentityCache held in memory and changed by hand: registration entries with their SVIDs,
// bundles, and a JWT signing key. Tests build it with real certificates; the agent's explain
// tooling and benchmarks use it too. Every change bumps the generation and wakes the watchers.
#ifndef DSTART_AGENT_WORKLOADAPI_STATIC_IDENTITY_CACHE_H_
#define DSTART_AGENT_WORKLOADAPI_STATIC_IDENTITY_CACHE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>

#include "agent/workloadapi/identity_cache.h"
#include "crypto/keys.h"

namespace dstart::agent::workloadapi {

struct StaticEntry {
  std::string entry_id;
  spiffe::SpiffeId spiffe_id;
  spiffe::SelectorSet selectors;
  std::string hint;
  std::vector<spiffe::TrustDomain> federates_with;
};

class StaticIdentityCache final : public IdentityCache {
 public:
  explicit StaticIdentityCache(spiffe::TrustDomain trust_domain);

  // Adds or replaces the entry with this entry_id; without an SVID it matches nothing yet.
  void SetEntry(StaticEntry entry);
  void RemoveEntry(const std::string& entry_id);
  // Sets the SVID of an existing entry (rotation). NotFound for an unknown entry;
  // InvalidArgument when the SVID's ID is not the entry's.
  absl::Status SetSvid(const std::string& entry_id, spiffe::X509Svid svid);
  // Adds or replaces a bundle (own or federated).
  void SetBundle(spiffe::Bundle bundle);
  // The key JWT-SVIDs are signed with; its public half should be in the own bundle under `kid`.
  void SetJwtSigningKey(std::string kid, crypto::PrivateKey key,
                        std::chrono::seconds ttl = std::chrono::minutes(5));
  // The selectors of every entry, for diagnostics ("which selectors are missing").
  std::vector<StaticEntry> Entries() const;

  const spiffe::TrustDomain& trust_domain() const override { return td_; }
  std::vector<WorkloadIdentity> Match(const spiffe::SelectorSet& workload) const override;
  std::shared_ptr<const spiffe::BundleSet> Bundles() const override;
  absl::StatusOr<std::string> MintJwtSvid(const WorkloadIdentity& identity,
                                          const std::vector<std::string>& audience) override;
  uint64_t Generation() const override;
  bool WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const override;

 private:
  void BumpLocked();
  struct Slot {
    StaticEntry entry;
    std::shared_ptr<const spiffe::X509Svid> svid;
  };
  spiffe::TrustDomain td_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  uint64_t generation_ = 1;
  std::map<std::string, Slot> entries_;  // By entry ID: Match returns them in this order.
  std::shared_ptr<const spiffe::BundleSet> bundles_;
  std::string jwt_kid_;
  std::optional<crypto::PrivateKey> jwt_key_;
  std::chrono::seconds jwt_ttl_{300};
};

}  // namespace dstart::agent::workloadapi

#endif  // DSTART_AGENT_WORKLOADAPI_STATIC_IDENTITY_CACHE_H_
