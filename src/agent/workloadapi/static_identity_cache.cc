#include "agent/workloadapi/static_identity_cache.h"

#include "absl/status/status.h"
#include "fmt/format.h"
#include "spiffe/jwt_svid.h"

namespace dstart::agent::workloadapi {

StaticIdentityCache::StaticIdentityCache(spiffe::TrustDomain trust_domain)
    : td_(std::move(trust_domain)), bundles_(std::make_shared<spiffe::BundleSet>()) {}

void StaticIdentityCache::BumpLocked() {
  ++generation_;
  changed_.notify_all();
}

void StaticIdentityCache::SetEntry(StaticEntry entry) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(entry.entry_id);
  if (it == entries_.end()) {
    std::string id = entry.entry_id;
    entries_.emplace(std::move(id), Slot{std::move(entry), nullptr});
  } else {
    if (it->second.svid && it->second.svid->id() != entry.spiffe_id) it->second.svid.reset();
    it->second.entry = std::move(entry);
  }
  BumpLocked();
}

void StaticIdentityCache::RemoveEntry(const std::string& entry_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.erase(entry_id) > 0) BumpLocked();
}

absl::Status StaticIdentityCache::SetSvid(const std::string& entry_id, spiffe::X509Svid svid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(entry_id);
  if (it == entries_.end()) {
    return absl::NotFoundError(fmt::format("no entry \"{}\"", entry_id));
  }
  if (svid.id() != it->second.entry.spiffe_id) {
    return absl::InvalidArgumentError(
        fmt::format("SVID for {} given to entry \"{}\" of {}", svid.id().String(), entry_id,
                    it->second.entry.spiffe_id.String()));
  }
  it->second.svid = std::make_shared<const spiffe::X509Svid>(std::move(svid));
  BumpLocked();
  return absl::OkStatus();
}

void StaticIdentityCache::SetBundle(spiffe::Bundle bundle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<spiffe::BundleSet>(*bundles_);
  next->Set(std::move(bundle));
  bundles_ = std::move(next);
  BumpLocked();
}

void StaticIdentityCache::SetJwtSigningKey(std::string kid, crypto::PrivateKey key,
                                           std::chrono::seconds ttl) {
  std::lock_guard<std::mutex> lock(mu_);
  jwt_kid_ = std::move(kid);
  jwt_key_ = std::move(key);
  jwt_ttl_ = ttl;
}

std::vector<StaticEntry> StaticIdentityCache::Entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StaticEntry> out;
  for (const auto& [id, slot] : entries_) out.push_back(slot.entry);
  return out;
}

std::vector<WorkloadIdentity> StaticIdentityCache::Match(
    const spiffe::SelectorSet& workload) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WorkloadIdentity> out;
  for (const auto& [id, slot] : entries_) {
    if (!slot.svid || !spiffe::EntryMatchesWorkload(slot.entry.selectors, workload)) continue;
    out.push_back({id, slot.svid, slot.entry.hint, slot.entry.federates_with});
  }
  return out;
}

std::shared_ptr<const spiffe::BundleSet> StaticIdentityCache::Bundles() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bundles_;
}

absl::StatusOr<std::string> StaticIdentityCache::MintJwtSvid(
    const WorkloadIdentity& identity, const std::vector<std::string>& audience) {
  std::string kid;
  std::optional<crypto::PrivateKey> key;
  std::chrono::seconds ttl;
  {
    std::lock_guard<std::mutex> lock(mu_);
    kid = jwt_kid_;
    key = jwt_key_;
    ttl = jwt_ttl_;
  }
  if (!key) return absl::FailedPreconditionError("no JWT signing key");
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  spiffe::JwtSvidClaims claims{identity.svid->id(), audience, now, now + ttl};
  return spiffe::SignJwtSvid(claims, *key, kid);
}

uint64_t StaticIdentityCache::Generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

bool StaticIdentityCache::WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
}

}  // namespace dstart::agent::workloadapi
