// RFC 5280 path validation with OpenSSL's verifier.
#ifndef DSTART_CRYPTO_VERIFY_H_
#define DSTART_CRYPTO_VERIFY_H_

#include <chrono>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/certificate.h"

namespace dstart::crypto {

// Verifies `leaf` up to one of `roots`, building the path through `intermediates` (untrusted).
// The path must end at a self-signed certificate in `roots` (X509_V_FLAG_PARTIAL_CHAIN is off);
// `intermediates` never act as anchors. No purpose/EKU check (as go-spiffe's KeyUsages=[Any]):
// the caller checks SPIFFE leaf rules. Validity is checked at `at` (default: now).
//
// Returns the verified path, leaf first and anchor last. On failure, FailedPrecondition (or
// InvalidArgument when `roots` is empty) with OpenSSL's reason and where it failed:
// "certificate verify failed at depth 0 (CN=...): certificate has expired".
absl::StatusOr<std::vector<Certificate>> VerifyCertificateChain(
    const Certificate& leaf, const std::vector<Certificate>& intermediates,
    const std::vector<Certificate>& roots,
    std::optional<std::chrono::system_clock::time_point> at = std::nullopt);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_VERIFY_H_
