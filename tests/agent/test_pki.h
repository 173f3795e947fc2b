// Real certificates for Workload API tests: a trust domain CA that issues X.509-SVIDs, and a
// JWT signing key, loaded into a StaticIdentityCache.
#ifndef DSTART_TESTS_AGENT_TEST_PKI_H_
#define DSTART_TESTS_AGENT_TEST_PKI_H_

#include <chrono>
#include <stdexcept>
#include <string>

#include "agent/workloadapi/static_identity_cache.h"
#include "crypto/cert_builder.h"
#include "crypto/name.h"
#include "spiffe/bundle.h"
#include "spiffe/x509_svid.h"

namespace dstart::agent::workloadapi {

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) throw std::runtime_error(std::string(v.status().message()));
  return std::move(*v);
}

class TestPki {
 public:
  explicit TestPki(const std::string& td = "edgexfoundry.org")
      : td_(Must(spiffe::TrustDomain::FromString(td))),
        ca_key_(Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256))),
        jwt_key_(Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256))),
        ca_(Must(crypto::SelfSignCertificate(
            crypto::RootCaTemplate(Must(crypto::ParseDistinguishedName("C=US, O=SPIFFE")),
                                   td_.IdString(), std::chrono::system_clock::now(),
                                   std::chrono::hours(24)),
            ca_key_))) {}

  const spiffe::TrustDomain& td() const { return td_; }
  const crypto::Certificate& ca() const { return ca_; }

  spiffe::Bundle MakeBundle() const {
    spiffe::Bundle b(td_);
    b.AddX509Authority(ca_);
    (void)b.AddJwtAuthority("jwt-key-1", jwt_key_.Public());
    return b;
  }

  spiffe::X509Svid Issue(const std::string& id,
                         std::chrono::seconds ttl = std::chrono::hours(1)) const {
    auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    auto leaf = Must(crypto::IssueCertificate(
        crypto::X509SvidTemplate(id, {}, std::chrono::system_clock::now(), ttl), key.Public(), ca_,
        ca_key_));
    return Must(spiffe::X509Svid::FromParts({leaf}, key));
  }

  // A cache holding the bundle and the JWT key.
  std::shared_ptr<StaticIdentityCache> MakeCache() const {
    auto cache = std::make_shared<StaticIdentityCache>(td_);
    cache->SetBundle(MakeBundle());
    cache->SetJwtSigningKey("jwt-key-1", jwt_key_);
    return cache;
  }

  // Adds an entry with these selectors and an SVID for it.
  void AddEntry(StaticIdentityCache& cache, const std::string& entry_id, const std::string& id,
                const std::vector<std::string>& selectors, const std::string& hint = "") const {
    spiffe::SelectorSet set;
    for (const auto& s : selectors) set.insert(Must(spiffe::Selector::Parse(s)));
    cache.SetEntry({entry_id, Must(spiffe::SpiffeId::FromString(id)), set, hint, {}});
    auto st = cache.SetSvid(entry_id, Issue(id));
    if (!st.ok()) throw std::runtime_error(std::string(st.message()));
  }

 private:
  spiffe::TrustDomain td_;
  crypto::PrivateKey ca_key_;
  crypto::PrivateKey jwt_key_;
  crypto::Certificate ca_;
};

}  // namespace dstart::agent::workloadapi

#endif  // DSTART_TESTS_AGENT_TEST_PKI_H_
