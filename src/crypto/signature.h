// Signatures: ECDSA (DER-encoded, as X.509 and TLS carry them), RSASSA-PKCS1-v1_5 and
// RSASSA-PSS (salt length = hash length, MGF1 with the same hash, as JWS PS256/384/512 require).
#ifndef DSTART_CRYPTO_SIGNATURE_H_
#define DSTART_CRYPTO_SIGNATURE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/digest.h"
#include "crypto/keys.h"

namespace dstart::crypto {

// How an RSA key signs; ignored for EC keys.
enum class RsaPadding { kPkcs1v15, kPss };

// Hashes `data` with `hash` and signs it. An EC key gives a DER ECDSA-Sig-Value.
absl::StatusOr<std::vector<uint8_t>> Sign(const PrivateKey& key, Hash hash,
                                          std::span<const uint8_t> data,
                                          RsaPadding padding = RsaPadding::kPkcs1v15);

// OK when `signature` is a valid signature of `data` by `key`; InvalidArgument otherwise
// ("signature verification failed"), including for malformed signatures.
absl::Status Verify(const PublicKey& key, Hash hash, std::span<const uint8_t> data,
                    std::span<const uint8_t> signature,
                    RsaPadding padding = RsaPadding::kPkcs1v15);

// ECDSA DER <-> the fixed-width r||s that JWS uses (RFC 7518 §3.4): each of r and s is
// left-padded to CurveFieldSize(curve) bytes.
absl::StatusOr<std::vector<uint8_t>> EcdsaDerToRaw(std::span<const uint8_t> der, Curve curve);
// Refuses a raw signature whose length is not 2 * CurveFieldSize(curve).
absl::StatusOr<std::vector<uint8_t>> EcdsaRawToDer(std::span<const uint8_t> raw, Curve curve);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_SIGNATURE_H_
