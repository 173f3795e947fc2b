// Trust bundles (spec/spiffe.md §4): the X.509 authorities and JWT signing keys of one trust
// domain, with the SPIFFE bundle's sequence number and refresh hint.
//
// A Bundle is a plain value. Share a published bundle as std::shared_ptr<const Bundle> (or a
// BundleSet snapshot) and replace it whole when it changes; readers never see it half-updated.
#ifndef DSTART_SPIFFE_BUNDLE_H_
#define DSTART_SPIFFE_BUNDLE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "spiffe/id.h"

namespace dstart::spiffe {

class Bundle {
 public:
  explicit Bundle(TrustDomain td) : td_(std::move(td)) {}

  // Every "CERTIFICATE" block of `pem` becomes an X.509 authority (at least one block).
  static absl::StatusOr<Bundle> FromX509Pem(const TrustDomain& td, std::string_view pem);
  // Concatenated DER CA certificates, as the Workload API carries them (§4.2). Empty input is a
  // bundle without authorities.
  static absl::StatusOr<Bundle> FromX509Der(const TrustDomain& td, std::span<const uint8_t> der);
  // A SPIFFE bundle: an RFC 7517 JWK Set with spiffe_sequence and spiffe_refresh_hint (§4.1).
  // "keys" is required; entries with a missing or unknown "use", or an unknown "kty", are
  // ignored (as the spec says); x509-svid entries need exactly one "x5c" certificate (and any key
  // members must match it); jwt-svid entries need a unique non-empty "kid" and a valid key (EC
  // coordinates at full length, on the curve). Errors name the member: `keys[2].x: ...`.
  static absl::StatusOr<Bundle> FromJson(const TrustDomain& td, std::string_view json);
  // The Workload API's JWT bundle (§4.2): a plain JWKS of JWT authorities, every key with a
  // "kid"; a key whose "use" is present and is not "jwt-svid" is refused.
  static absl::StatusOr<Bundle> FromJwks(const TrustDomain& td, std::string_view json);

  // The X.509 authorities as PEM, in order, each block ending in a newline.
  std::string ToX509Pem() const;
  // The X.509 authorities as concatenated DER.
  std::vector<uint8_t> ToX509Der() const;
  // The SPIFFE bundle JSON: {"keys":[x509-svid entries..., jwt-svid entries (sorted by kid)...],
  // "spiffe_sequence":N, "spiffe_refresh_hint":N}; the last two only when set.
  // `indent` >= 0 pretty-prints with that many spaces (as `spire-server bundle show -format
  // spiffe` does with 4); the default is compact.
  std::string ToJson(int indent = -1) const;
  // The Workload API's JWT bundle: {"keys":[...]} with only the JWT authorities, each with
  // "kid" and its key members and nothing else (no "use", no spiffe_* members), as SPIRE sends it.
  std::string ToJwks() const;

  const TrustDomain& trust_domain() const { return td_; }

  const std::vector<crypto::Certificate>& x509_authorities() const { return x509_; }
  // Adds `cert` unless an identical certificate is already present.
  void AddX509Authority(const crypto::Certificate& cert);
  void SetX509Authorities(std::vector<crypto::Certificate> certs);
  bool HasX509Authority(const crypto::Certificate& cert) const;

  using JwtAuthorities = std::map<std::string, crypto::PublicKey, std::less<>>;
  // By kid, sorted.
  const JwtAuthorities& jwt_authorities() const { return jwt_; }
  // InvalidArgument for an empty kid; replaces any key under the same kid.
  absl::Status AddJwtAuthority(std::string_view kid, const crypto::PublicKey& key);
  void RemoveJwtAuthority(std::string_view kid);
  // nullptr when there is no key with this kid.
  const crypto::PublicKey* FindJwtAuthority(std::string_view kid) const;

  std::optional<uint64_t> sequence_number() const { return sequence_; }
  void set_sequence_number(std::optional<uint64_t> n) { sequence_ = n; }
  std::optional<std::chrono::seconds> refresh_hint() const { return refresh_hint_; }
  void set_refresh_hint(std::optional<std::chrono::seconds> hint) { refresh_hint_ = hint; }

  bool empty() const { return x509_.empty() && jwt_.empty(); }

  // Same trust domain, same authorities (certificates by DER, in order; keys by kid), same
  // sequence number and refresh hint.
  bool operator==(const Bundle& other) const;

 private:
  TrustDomain td_;
  std::vector<crypto::Certificate> x509_;
  JwtAuthorities jwt_;
  std::optional<uint64_t> sequence_;
  std::optional<std::chrono::seconds> refresh_hint_;
};

// Bundles by trust domain: the own one and the federated ones.
class BundleSet {
 public:
  BundleSet() = default;
  // Adds or replaces the bundle of bundle.trust_domain().
  void Set(Bundle bundle);
  void Remove(const TrustDomain& td);
  // nullptr when no bundle is held for `td`.
  const Bundle* Find(const TrustDomain& td) const;
  // NotFound "no bundle for trust domain \"td\"".
  absl::StatusOr<const Bundle*> Get(const TrustDomain& td) const;

  const std::map<TrustDomain, Bundle>& bundles() const { return bundles_; }
  size_t size() const { return bundles_.size(); }
  bool empty() const { return bundles_.empty(); }

 private:
  std::map<TrustDomain, Bundle> bundles_;
};

}  // namespace dstart::spiffe

#endif  // DSTART_SPIFFE_BUNDLE_H_
