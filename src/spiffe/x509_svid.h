// X.509-SVIDs (spec/spiffe.md §2): parsing with the checks go-spiffe applies to every SVID it
// receives (§2.6), and verification of a presented chain against the bundle of its own trust
// domain (§2.4).
#ifndef DSTART_SPIFFE_X509_SVID_H_
#define DSTART_SPIFFE_X509_SVID_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "spiffe/bundle.h"
#include "spiffe/id.h"

namespace dstart::spiffe {

using TimePoint = std::chrono::system_clock::time_point;

// The SPIFFE ID of a certificate: its only URI SAN, which must be a valid SPIFFE ID. Fails when
// the certificate has no URI SAN or more than one.
absl::StatusOr<SpiffeId> IdFromCertificate(const crypto::Certificate& cert);

// The leaf rules of §2.2/§2.6: exactly one URI SAN holding a valid SPIFFE ID with a non-root
// path; cA false; a KeyUsage extension with digitalSignature and without keyCertSign or
// cRLSign. Returns the ID.
absl::StatusOr<SpiffeId> CheckLeafCertificate(const crypto::Certificate& leaf);

// Every certificate after the leaf must be a CA with keyCertSign (§2.6).
absl::Status CheckIntermediateCertificates(std::span<const crypto::Certificate> chain);

// Verifies a presented chain (leaf first, then intermediates) as go-spiffe's x509svid.Verify
// does: the leaf rules above, then RFC 5280 path validation at `now` against the X.509
// authorities of the bundle for the leaf's own trust domain only, using chain[1:] as untrusted
// intermediates. Errors: no bundle for that trust domain (NotFound), leaf not yet valid or
// expired (with both times), path validation failures (with OpenSSL's reason and depth).
// Returns the leaf's ID.
absl::StatusOr<SpiffeId> VerifyX509SvidChain(std::span<const crypto::Certificate> chain,
                                             const BundleSet& bundles, TimePoint now);
// As above with one bundle; refuses a leaf whose trust domain is not the bundle's.
absl::StatusOr<SpiffeId> VerifyX509SvidChain(std::span<const crypto::Certificate> chain,
                                             const Bundle& bundle, TimePoint now);

// An X.509-SVID with its private key. Immutable once made; copies share the OpenSSL objects.
class X509Svid {
 public:
  // Concatenated DER certificates (leaf first) and an unencrypted PKCS#8 DER key, as the Workload
  // API's x509_svid and x509_svid_key carry them. Applies every check of §2.6: the leaf rules,
  // CA intermediates, and the key must match the leaf ("leaf certificate does not match private
  // key"). A SEC1 or PKCS#1 key is refused, as Go clients refuse it (§9 item 2). Validity and
  // the chain to a bundle are not checked here (see Verify).
  static absl::StatusOr<X509Svid> ParseRaw(std::span<const uint8_t> certs_der,
                                           std::span<const uint8_t> key_der);
  // PEM: every CERTIFICATE block (leaf first) and a key block ("PRIVATE KEY" preferred; SEC1 and
  // PKCS#1 blocks are read too). Same checks as ParseRaw.
  static absl::StatusOr<X509Svid> Parse(std::string_view certs_pem, std::string_view key_pem);
  // From already parsed parts, with the same checks.
  static absl::StatusOr<X509Svid> FromParts(std::vector<crypto::Certificate> chain,
                                            crypto::PrivateKey key);

  const SpiffeId& id() const { return id_; }
  // Leaf first; never empty.
  const std::vector<crypto::Certificate>& certificates() const { return chain_; }
  const crypto::Certificate& leaf() const { return chain_.front(); }
  const crypto::PrivateKey& private_key() const { return key_; }
  // The leaf's notAfter.
  TimePoint expires_at() const;

  std::vector<uint8_t> CertificatesDer() const;
  std::string CertificatesPem() const;
  std::vector<uint8_t> KeyPkcs8Der() const;
  std::string KeyPkcs8Pem() const;

  // VerifyX509SvidChain(certificates(), ...), checking the chain is still good at `now`.
  absl::Status Verify(const BundleSet& bundles, TimePoint now) const;
  absl::Status Verify(const Bundle& bundle, TimePoint now) const;

 private:
  X509Svid(SpiffeId id, std::vector<crypto::Certificate> chain, crypto::PrivateKey key)
      : id_(std::move(id)), chain_(std::move(chain)), key_(std::move(key)) {}
  SpiffeId id_;
  std::vector<crypto::Certificate> chain_;
  crypto::PrivateKey key_;
};

// OK when `key` is the private half of the leaf's public key; otherwise InvalidArgument
// "leaf certificate does not match private key".
absl::Status CheckKeyMatchesCertificate(const crypto::PrivateKey& key,
                                        const crypto::Certificate& leaf);

}  // namespace dstart::spiffe

#endif  // DSTART_SPIFFE_X509_SVID_H_
