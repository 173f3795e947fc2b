// AES-256-GCM authenticated encryption with associated data.
//
// Sealed format: nonce (12 bytes) || ciphertext || tag (16 bytes). The nonce is drawn from the
// CSPRNG for every Seal, so one key may seal up to 2^32 messages (NIST SP 800-38D §8.3).
#ifndef DSTART_CRYPTO_AEAD_H_
#define DSTART_CRYPTO_AEAD_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::crypto {

inline constexpr size_t kAes256GcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// REQUIRES: key.size() == kAes256GcmKeySize (else InvalidArgument).
absl::StatusOr<std::vector<uint8_t>> Aes256GcmSeal(std::span<const uint8_t> key,
                                                   std::span<const uint8_t> plaintext,
                                                   std::span<const uint8_t> aad = {});

// As Aes256GcmSeal with a caller-chosen nonce (kAesGcmNonceSize bytes). A nonce must never be
// reused with the same key; prefer Aes256GcmSeal.
absl::StatusOr<std::vector<uint8_t>> Aes256GcmSealWithNonce(std::span<const uint8_t> key,
                                                            std::span<const uint8_t> nonce,
                                                            std::span<const uint8_t> plaintext,
                                                            std::span<const uint8_t> aad = {});

// Returns the plaintext, or an error when the input is too short, the key is wrong, or any bit of
// nonce, ciphertext, tag or aad was changed. Never returns unauthenticated plaintext.
absl::StatusOr<std::vector<uint8_t>> Aes256GcmOpen(std::span<const uint8_t> key,
                                                   std::span<const uint8_t> sealed,
                                                   std::span<const uint8_t> aad = {});

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_AEAD_H_
