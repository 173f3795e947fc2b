// Building and signing X.509 v3 certificates.
//
// A CertificateTemplate says everything that goes into a certificate except its public key and
// issuer. Profile functions return filled-in templates (callers may adjust them before issuing):
//   RootCaTemplate / IntermediateCaTemplate   spec/spiffe.md §0 item 10, §2.3, §2.7
//   X509SvidTemplate                          spec/spiffe.md §0 item 9, §2.2, §2.7
//   ServerCertTemplate / ClientCertTemplate   plain TLS certificates (EdgeX PKI, agent x509pop)
#ifndef DSTART_CRYPTO_CERT_BUILDER_H_
#define DSTART_CRYPTO_CERT_BUILDER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/keys.h"
#include "crypto/name.h"

namespace dstart::crypto {

struct CertificateTemplate {
  using TimePoint = std::chrono::system_clock::time_point;

  DistinguishedName subject;
  // Big-endian positive serial, at most 20 octets; empty means RandomSerialNumber().
  std::vector<uint8_t> serial;
  TimePoint not_before;
  TimePoint not_after;
  // When issued by another certificate, not_after is lowered to the issuer's notAfter (as SPIRE
  // does), so no certificate outlives its issuer.
  bool cap_to_issuer = true;

  bool is_ca = false;
  std::optional<int> path_len;  // Only with is_ca.
  bool basic_constraints_critical = true;

  KeyUsage key_usage;  // Omitted when empty.
  bool key_usage_critical = true;
  ExtKeyUsage ext_key_usage;  // Omitted when empty.

  std::vector<std::string> uri_sans;
  std::vector<std::string> dns_sans;
  std::vector<std::string> ip_sans;  // Textual IPv4 or IPv6 addresses.
  // Marked critical automatically when `subject` is empty (RFC 5280 §4.1.2.6).
  bool san_critical = false;

  bool subject_key_id = true;    // SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1).
  bool authority_key_id = true;  // The issuer's SKI (its own for self-signed certificates).

  // nullopt: chosen from the signing key (PrivateKey::default_hash()).
  std::optional<Hash> signature_hash;
};

// Self-signed: the issuer is the subject and `key` both certifies and signs.
absl::StatusOr<Certificate> SelfSignCertificate(const CertificateTemplate& tmpl,
                                                const PrivateKey& key);

// Certifies `subject_key`, signed by `issuer_key` on behalf of `issuer`. Refuses an issuer that is
// not a CA with keyCertSign, an issuer_key that does not match the issuer certificate, and
// templates whose validity ends before it begins (also after capping).
absl::StatusOr<Certificate> IssueCertificate(const CertificateTemplate& tmpl,
                                             const PublicKey& subject_key,
                                             const Certificate& issuer,
                                             const PrivateKey& issuer_key);

// As IssueCertificate for the key in `csr`, after checking the CSR's self-signature. Only the
// key is taken from the CSR: subject and SANs come from the template.
absl::StatusOr<Certificate> IssueCertificateFromCsr(const CertificateTemplate& tmpl,
                                                    const CertificateRequest& csr,
                                                    const Certificate& issuer,
                                                    const PrivateKey& issuer_key);

// --- Profiles -----------------------------------------------------------------------------------

// A root CA: cA=true, critical KU keyCertSign|cRLSign, SKI (and AKI = SKI). `trust_domain_id` is
// "spiffe://<td>" (URI SAN added) or "" (none). Valid from now - 10 s for `ttl`.
CertificateTemplate RootCaTemplate(const DistinguishedName& subject,
                                   std::string_view trust_domain_id,
                                   std::chrono::system_clock::time_point now,
                                   std::chrono::seconds ttl);

// An intermediate (signing) CA: as the root, issued by another CA; optional pathLenConstraint.
CertificateTemplate IntermediateCaTemplate(const DistinguishedName& subject,
                                           std::string_view trust_domain_id,
                                           std::chrono::system_clock::time_point now,
                                           std::chrono::seconds ttl,
                                           std::optional<int> path_len = std::nullopt);

// An X.509-SVID leaf as SPIRE issues it (spec/spiffe.md §2.7): subject C=US, O=SPIRE,
// x500UniqueIdentifier = hex of the first 16 bytes of SHA-256(spiffe_id); exactly one URI SAN =
// spiffe_id; cA=false; critical KU digitalSignature|keyEncipherment|keyAgreement; EKU
// serverAuth+clientAuth; SKI and AKI; notBefore = now - 10 s, notAfter = now + ttl (capped to the
// CA). `dns_sans` are added as DNS SANs and the first becomes the subject CN, as SPIRE does; note
// that c-spiffe refuses leaves with more than one SAN entry (spec §0 item 9), so pass none unless
// the entry asks for them. The ID's syntax is checked by src/spiffe, not here.
CertificateTemplate X509SvidTemplate(std::string_view spiffe_id,
                                     const std::vector<std::string>& dns_sans,
                                     std::chrono::system_clock::time_point now,
                                     std::chrono::seconds ttl);

// A TLS server certificate: cA=false, critical KU digitalSignature|keyEncipherment, EKU
// serverAuth, the given DNS and IP SANs. Valid from now - 10 s for `ttl`.
CertificateTemplate ServerCertTemplate(const DistinguishedName& subject,
                                       const std::vector<std::string>& dns_sans,
                                       const std::vector<std::string>& ip_sans,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds ttl);

// A TLS client certificate (e.g. the SPIRE agent's x509pop certificate, CN=agent0): cA=false,
// critical KU digitalSignature|keyEncipherment, EKU clientAuth.
CertificateTemplate ClientCertTemplate(const DistinguishedName& subject,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds ttl);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_CERT_BUILDER_H_
