// Message digests, HMAC and constant-time comparison.
#ifndef DSTART_CRYPTO_DIGEST_H_
#define DSTART_CRYPTO_DIGEST_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/handles.h"

namespace dstart::crypto {

using Bytes = std::vector<uint8_t>;

enum class Hash { kSha256, kSha384, kSha512 };

// "SHA-256", "SHA-384", "SHA-512".
std::string_view HashName(Hash hash);
// Output length in bytes: 32, 48, 64.
size_t HashSize(Hash hash);

Bytes Digest(Hash hash, std::span<const uint8_t> data);
Bytes Sha1(std::span<const uint8_t> data);  // Only for fingerprints; never for signatures.
Bytes Sha256(std::span<const uint8_t> data);
Bytes Sha384(std::span<const uint8_t> data);
Bytes Sha512(std::span<const uint8_t> data);

// Incremental digest, for data that arrives in pieces. Not thread-safe; movable.
class Hasher {
 public:
  explicit Hasher(Hash hash);
  Hasher(Hasher&&) noexcept = default;
  Hasher& operator=(Hasher&&) noexcept = default;
  ~Hasher();
  void Update(std::span<const uint8_t> data);
  // The digest of everything passed to Update. REQUIRES: called once; Update not called after.
  Bytes Finish();

 private:
  EvpMdCtxPtr ctx_;
};

// Digest of a file's contents, read in chunks (e.g. a workload's executable). Errors name the
// path and the errno reason.
absl::StatusOr<Bytes> DigestFile(Hash hash, const std::filesystem::path& path);

// HMAC (RFC 2104). Any key length is accepted.
Bytes Hmac(Hash hash, std::span<const uint8_t> key, std::span<const uint8_t> data);
Bytes HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

// True when a and b have the same length and contents. The time taken depends only on the
// lengths, never on where the contents differ.
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_DIGEST_H_
