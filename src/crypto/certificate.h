// X.509 certificates (RFC 5280): parsing, encoding and the accessors SPIFFE validation needs.
//
// A Certificate shares its OpenSSL object: copies are cheap and it is immutable, so it may be used
// from several threads at once.
#ifndef DSTART_CRYPTO_CERTIFICATE_H_
#define DSTART_CRYPTO_CERTIFICATE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/handles.h"
#include "crypto/keys.h"
#include "crypto/name.h"

namespace dstart::crypto {

// KeyUsage bits (RFC 5280 §4.2.1.3) that dstart sets or checks.
struct KeyUsage {
  bool digital_signature = false;
  bool content_commitment = false;
  bool key_encipherment = false;
  bool data_encipherment = false;
  bool key_agreement = false;
  bool key_cert_sign = false;
  bool crl_sign = false;
  bool empty() const { return *this == KeyUsage{}; }
  bool operator==(const KeyUsage&) const = default;
};

// ExtendedKeyUsage purposes (RFC 5280 §4.2.1.12) that dstart sets or checks.
struct ExtKeyUsage {
  bool server_auth = false;
  bool client_auth = false;
  bool empty() const { return *this == ExtKeyUsage{}; }
  bool operator==(const ExtKeyUsage&) const = default;
};

class Certificate {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // DER must hold exactly one certificate and nothing after it.
  static absl::StatusOr<Certificate> FromDer(std::span<const uint8_t> der);
  // The first "CERTIFICATE" block; fails when there is none.
  static absl::StatusOr<Certificate> FromPem(std::string_view pem);
  // Every "CERTIFICATE" block, in order (other blocks are skipped); at least one.
  static absl::StatusOr<std::vector<Certificate>> ChainFromPem(std::string_view pem);
  // Concatenated DER certificates, back to back (Workload API x509_svid, bundle); at least one.
  // Errors say which certificate (by index and byte offset) is malformed.
  static absl::StatusOr<std::vector<Certificate>> ChainFromDer(std::span<const uint8_t> der);
  static std::vector<uint8_t> ChainToDer(const std::vector<Certificate>& chain);
  static std::string ChainToPem(const std::vector<Certificate>& chain);
  // Adopts an OpenSSL certificate (e.g. a TLS peer's).
  static Certificate FromHandle(X509Ptr cert);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate();

  std::vector<uint8_t> ToDer() const;
  std::string ToPem() const;

  // Subject Alternative Names of each kind, in order; empty when there is no SAN extension.
  std::vector<std::string> UriSans() const;
  std::vector<std::string> DnsSans() const;
  // Number of SAN entries of every kind (c-spiffe refuses more than one).
  size_t SanCount() const;

  bool HasBasicConstraints() const;
  bool IsCa() const;  // basicConstraints cA; false when the extension is absent.
  std::optional<int> PathLen() const;

  // nullopt when the extension is absent.
  std::optional<KeyUsage> GetKeyUsage() const;
  bool KeyUsageCritical() const;
  std::optional<ExtKeyUsage> GetExtKeyUsage() const;

  TimePoint NotBefore() const;
  TimePoint NotAfter() const;

  std::vector<uint8_t> SerialBytes() const;  // Big-endian magnitude.
  std::string SerialHex() const;             // Lowercase, no separators.
  std::string SerialDecimal() const;         // As SPIRE prints it.

  DistinguishedName SubjectName() const;
  DistinguishedName IssuerName() const;
  std::string Subject() const;  // RFC 2253, as FormatDistinguishedName.
  std::string Issuer() const;
  std::string CommonName() const;  // Last CN of the subject, or "".

  // Key identifiers; empty when the extension is absent.
  std::vector<uint8_t> SubjectKeyId() const;
  std::vector<uint8_t> AuthorityKeyId() const;

  // Lowercase hex of the hash of the DER.
  std::string Sha1Fingerprint() const;
  std::string Sha256Fingerprint() const;

  absl::StatusOr<PublicKey> public_key() const;

  // Issuer name equals subject name and the signature verifies with the certificate's own key.
  bool IsSelfSigned() const;
  // OK when this certificate's signature verifies with `issuer_key`.
  absl::Status VerifySignature(const PublicKey& issuer_key) const;

  // Byte equality of the DER encodings.
  bool operator==(const Certificate& other) const;

  // Borrowed; valid while this object lives.
  X509* get() const { return cert_.get(); }

 private:
  explicit Certificate(X509Ptr cert);
  X509Ptr cert_;
};

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_CERTIFICATE_H_
