#include "crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "fmt/format.h"

#include "crypto/internal.h"

namespace dstart::crypto {
namespace {

Bytes DigestWith(const EVP_MD* md, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    // Only allocation failure makes a built-in digest fail.
    std::abort();
  }
  out.resize(len);
  return out;
}

}  // namespace

std::string_view HashName(Hash hash) {
  switch (hash) {
    case Hash::kSha256:
      return "SHA-256";
    case Hash::kSha384:
      return "SHA-384";
    case Hash::kSha512:
      return "SHA-512";
  }
  return "?";
}

size_t HashSize(Hash hash) {
  switch (hash) {
    case Hash::kSha256:
      return 32;
    case Hash::kSha384:
      return 48;
    case Hash::kSha512:
      return 64;
  }
  return 0;
}

Bytes Digest(Hash hash, std::span<const uint8_t> data) {
  return DigestWith(internal::HashMd(static_cast<int>(hash)), data);
}
Bytes Sha1(std::span<const uint8_t> data) { return DigestWith(EVP_sha1(), data); }
Bytes Sha256(std::span<const uint8_t> data) { return Digest(Hash::kSha256, data); }
Bytes Sha384(std::span<const uint8_t> data) { return Digest(Hash::kSha384, data); }
Bytes Sha512(std::span<const uint8_t> data) { return Digest(Hash::kSha512, data); }

Hasher::Hasher(Hash hash) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), internal::HashMd(static_cast<int>(hash)), nullptr) != 1) {
    std::abort();  // Only allocation failure makes a built-in digest fail.
  }
}

Hasher::~Hasher() = default;

void Hasher::Update(std::span<const uint8_t> data) {
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) std::abort();
}

Bytes Hasher::Finish() {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) std::abort();
  out.resize(len);
  return out;
}

absl::StatusOr<Bytes> DigestFile(Hash hash, const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    return absl::NotFoundError(
        fmt::format("cannot open {} for hashing: {}", path.string(), std::strerror(errno)));
  }
  Hasher hasher(hash);
  std::vector<uint8_t> buf(64 * 1024);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), file.get())) > 0) {
    hasher.Update(std::span<const uint8_t>(buf.data(), n));
  }
  if (std::ferror(file.get())) {
    return absl::DataLossError(
        fmt::format("error reading {} for hashing: {}", path.string(), std::strerror(errno)));
  }
  return hasher.Finish();
}

Bytes Hmac(Hash hash, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  // HMAC() wants a non-null key pointer even for an empty key.
  static const uint8_t kEmpty = 0;
  if (HMAC(internal::HashMd(static_cast<int>(hash)), key.empty() ? &kEmpty : key.data(),
           static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) == nullptr) {
    std::abort();
  }
  out.resize(len);
  return out;
}

Bytes HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  return Hmac(Hash::kSha256, key, data);
}

bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dstart::crypto
