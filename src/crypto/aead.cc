#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/handles.h"
#include "crypto/internal.h"
#include "crypto/random.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

absl::Status CheckKey(std::span<const uint8_t> key) {
  if (key.size() != kAes256GcmKeySize) {
    return absl::InvalidArgumentError(fmt::format(
        "AES-256-GCM key must be {} bytes, got {}", kAes256GcmKeySize, key.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> Aes256GcmSeal(std::span<const uint8_t> key,
                                                   std::span<const uint8_t> plaintext,
                                                   std::span<const uint8_t> aad) {
  std::vector<uint8_t> nonce = RandomBytes(kAesGcmNonceSize);
  return Aes256GcmSealWithNonce(key, nonce, plaintext, aad);
}

absl::StatusOr<std::vector<uint8_t>> Aes256GcmSealWithNonce(std::span<const uint8_t> key,
                                                            std::span<const uint8_t> nonce,
                                                            std::span<const uint8_t> plaintext,
                                                            std::span<const uint8_t> aad) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  if (nonce.size() != kAesGcmNonceSize) {
    return absl::InvalidArgumentError(fmt::format("AES-GCM nonce must be {} bytes, got {}",
                                                  kAesGcmNonceSize, nonce.size()));
  }
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::vector<uint8_t> out(kAesGcmNonceSize + plaintext.size() + kAesGcmTagSize);
  std::copy(nonce.begin(), nonce.end(), out.begin());
  int len = 0;
  uint8_t* ct = out.data() + kAesGcmNonceSize;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize,
                          ct + plaintext.size()) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM encryption failed");
  }
  return out;
}

absl::StatusOr<std::vector<uint8_t>> Aes256GcmOpen(std::span<const uint8_t> key,
                                                   std::span<const uint8_t> sealed,
                                                   std::span<const uint8_t> aad) {
  if (auto s = CheckKey(key); !s.ok()) return s;
  if (sealed.size() < kAesGcmNonceSize + kAesGcmTagSize) {
    return absl::InvalidArgumentError(
        fmt::format("AES-GCM sealed data is {} bytes, shorter than nonce and tag ({})",
                    sealed.size(), kAesGcmNonceSize + kAesGcmTagSize));
  }
  auto nonce = sealed.first(kAesGcmNonceSize);
  auto ct = sealed.subspan(kAesGcmNonceSize, sealed.size() - kAesGcmNonceSize - kAesGcmTagSize);
  std::vector<uint8_t> tag(sealed.end() - kAesGcmTagSize, sealed.end());
  std::vector<uint8_t> out(ct.size());
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) ||
      (!ct.empty() &&
       EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct.data(), static_cast<int>(ct.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag.data()) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + out.size(), &len) != 1) {
    internal::ClearOpenSslErrors();
    OPENSSL_cleanse(out.data(), out.size());
    return absl::InvalidArgumentError(
        "AES-GCM authentication failed: wrong key, or the data or associated data was altered");
  }
  return out;
}

}  // namespace dstart::crypto
