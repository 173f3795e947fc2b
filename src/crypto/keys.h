// Asymmetric keys: EC (P-256, P-384, P-521) and RSA.
//
// PublicKey and PrivateKey share their OpenSSL key: copies are cheap (a reference count) and
// immutable, so they may be used from several threads at once.
#ifndef DSTART_CRYPTO_KEYS_H_
#define DSTART_CRYPTO_KEYS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/digest.h"
#include "crypto/handles.h"

namespace dstart::crypto {

// Key types by SPIRE's configuration names (ca_key_type, key_type): "ec-p256", "ec-p384",
// "ec-p521", "rsa-2048", "rsa-3072", "rsa-4096".
enum class KeyType { kEcP256, kEcP384, kEcP521, kRsa2048, kRsa3072, kRsa4096 };

std::string_view KeyTypeName(KeyType type);
// Refuses unknown names, listing the known ones.
absl::StatusOr<KeyType> ParseKeyType(std::string_view name);

enum class KeyAlgorithm { kEc, kRsa };

// NIST curves by their JWK "crv" names: "P-256", "P-384", "P-521".
enum class Curve { kP256, kP384, kP521 };
std::string_view CurveName(Curve curve);
absl::StatusOr<Curve> ParseCurve(std::string_view jwk_crv);
// Bytes of one field element (and of one of r, s in a raw ECDSA signature): 32, 48, 66.
size_t CurveFieldSize(Curve curve);

// The hash a signature by this kind of key uses, as Go's x509 and SPIRE choose it:
// P-256 -> SHA-256, P-384 -> SHA-384, P-521 -> SHA-512, RSA -> SHA-256.
Hash DefaultHashFor(KeyAlgorithm algorithm, std::optional<Curve> curve);

class PublicKey {
 public:
  // SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), DER or PEM ("PUBLIC KEY"). Only EC keys on the
  // three curves and RSA keys are accepted.
  static absl::StatusOr<PublicKey> FromDer(std::span<const uint8_t> der);
  static absl::StatusOr<PublicKey> FromPem(std::string_view pem);
  // From JWK-style members: big-endian coordinates, each exactly CurveFieldSize(curve) bytes
  // (RFC 7518 §6.2.1.2); refuses points not on the curve.
  static absl::StatusOr<PublicKey> FromEcCoordinates(Curve curve, std::span<const uint8_t> x,
                                                     std::span<const uint8_t> y);
  // RSA modulus and public exponent, big-endian unsigned (RFC 7518 §6.3.1). Refuses moduli under
  // 2048 bits.
  static absl::StatusOr<PublicKey> FromRsaComponents(std::span<const uint8_t> n,
                                                     std::span<const uint8_t> e);
  // Adopts an OpenSSL key (for callers that got one from TLS). Fails for unsupported key kinds.
  static absl::StatusOr<PublicKey> FromHandle(EvpPkeyPtr key);

  PublicKey(const PublicKey& other);
  PublicKey& operator=(const PublicKey& other);
  PublicKey(PublicKey&&) noexcept = default;
  PublicKey& operator=(PublicKey&&) noexcept = default;
  ~PublicKey();

  std::vector<uint8_t> ToDer() const;  // SubjectPublicKeyInfo.
  std::string ToPem() const;           // "PUBLIC KEY".

  KeyAlgorithm algorithm() const { return algorithm_; }
  std::optional<Curve> curve() const { return curve_; }  // Set for EC keys.
  int bits() const;                                      // Modulus or field size.
  Hash default_hash() const { return DefaultHashFor(algorithm_, curve_); }

  struct EcPoint {
    Curve curve;
    std::vector<uint8_t> x;  // CurveFieldSize(curve) bytes, leading zeros kept.
    std::vector<uint8_t> y;
  };
  // FailedPrecondition for RSA keys.
  absl::StatusOr<EcPoint> EcCoordinates() const;

  struct RsaComponents {
    std::vector<uint8_t> n;  // Minimal big-endian, no leading zero.
    std::vector<uint8_t> e;
  };
  // FailedPrecondition for EC keys.
  absl::StatusOr<RsaComponents> RsaParameters() const;

  // Same algorithm and same public key.
  bool operator==(const PublicKey& other) const;

  // Borrowed; valid while this object lives. For passing to OpenSSL (TLS, X.509).
  EVP_PKEY* get() const { return key_.get(); }

 private:
  PublicKey(EvpPkeyPtr key, KeyAlgorithm algorithm, std::optional<Curve> curve);
  EvpPkeyPtr key_;
  KeyAlgorithm algorithm_;
  std::optional<Curve> curve_;
  friend class PrivateKey;
};

class PrivateKey {
 public:
  static absl::StatusOr<PrivateKey> Generate(KeyType type);

  // Unencrypted keys as PEM: "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1) or "RSA PRIVATE KEY"
  // (PKCS#1). The first key block is used; other blocks (certificates, EC PARAMETERS) are
  // skipped. Errors name the problem: no key block, encrypted key, undecodable DER, unsupported
  // algorithm or curve.
  static absl::StatusOr<PrivateKey> FromPem(std::string_view pem);
  // DER in any of the three structures above (PKCS#8 tried first).
  static absl::StatusOr<PrivateKey> FromDer(std::span<const uint8_t> der);
  static absl::StatusOr<PrivateKey> FromHandle(EvpPkeyPtr key);

  PrivateKey(const PrivateKey& other);
  PrivateKey& operator=(const PrivateKey& other);
  PrivateKey(PrivateKey&&) noexcept = default;
  PrivateKey& operator=(PrivateKey&&) noexcept = default;
  ~PrivateKey();

  // Always PKCS#8 PrivateKeyInfo (RFC 5208), never SEC1 or PKCS#1: what the Workload API
  // (x509_svid_key) and Go's x509.ParsePKCS8PrivateKey require.
  std::vector<uint8_t> ToPkcs8Der() const;
  std::string ToPkcs8Pem() const;  // "PRIVATE KEY".

  PublicKey Public() const;
  KeyAlgorithm algorithm() const { return algorithm_; }
  std::optional<Curve> curve() const { return curve_; }
  int bits() const;
  // The KeyType this key is, if it is one of them (an RSA-1024 key is not).
  std::optional<KeyType> type() const;
  Hash default_hash() const { return DefaultHashFor(algorithm_, curve_); }

  // True when `pub` is this key's public half.
  bool Matches(const PublicKey& pub) const;

  // Borrowed; valid while this object lives.
  EVP_PKEY* get() const { return key_.get(); }

 private:
  PrivateKey(EvpPkeyPtr key, KeyAlgorithm algorithm, std::optional<Curve> curve);
  EvpPkeyPtr key_;
  KeyAlgorithm algorithm_;
  std::optional<Curve> curve_;
};

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_KEYS_H_
