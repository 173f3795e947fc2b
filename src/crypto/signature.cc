#include "crypto/signature.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/internal.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

using internal::OpenSslError;

// Sets RSA padding on a DigestSign/DigestVerify context. PSS signs with salt length = hash
// length (RFC 7518 §3.5) and verifies any salt length the signature declares.
bool SetPadding(EVP_PKEY_CTX* pctx, const EVP_MD* md, RsaPadding padding, bool signing) {
  if (padding == RsaPadding::kPkcs1v15) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(
             pctx, signing ? RSA_PSS_SALTLEN_DIGEST : RSA_PSS_SALTLEN_AUTO) == 1;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> Sign(const PrivateKey& key, Hash hash,
                                          std::span<const uint8_t> data, RsaPadding padding) {
  const EVP_MD* md = internal::HashMd(static_cast<int>(hash));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1 ||
      (key.algorithm() == KeyAlgorithm::kRsa && !SetPadding(pctx, md, padding, true))) {
    return OpenSslError(absl::StatusCode::kInternal, "signature setup failed");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "signing failed");
  }
  std::vector<uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "signing failed");
  }
  sig.resize(len);
  return sig;
}

absl::Status Verify(const PublicKey& key, Hash hash, std::span<const uint8_t> data,
                    std::span<const uint8_t> signature, RsaPadding padding) {
  const EVP_MD* md = internal::HashMd(static_cast<int>(hash));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1 ||
      (key.algorithm() == KeyAlgorithm::kRsa && !SetPadding(pctx, md, padding, false))) {
    return OpenSslError(absl::StatusCode::kInternal, "signature verification setup failed");
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                            data.size());
  internal::ClearOpenSslErrors();
  if (rc != 1) return absl::InvalidArgumentError("signature verification failed");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint8_t>> EcdsaDerToRaw(std::span<const uint8_t> der, Curve curve) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError("ECDSA signature is not a DER ECDSA-Sig-Value");
  }
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError("ECDSA signature has bytes after its DER encoding");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  size_t width = CurveFieldSize(curve);
  if (BN_is_negative(r) || BN_is_negative(s) || static_cast<size_t>(BN_num_bytes(r)) > width ||
      static_cast<size_t>(BN_num_bytes(s)) > width) {
    return absl::InvalidArgumentError(
        fmt::format("ECDSA signature values do not fit {}", CurveName(curve)));
  }
  std::vector<uint8_t> raw = internal::BignumBytes(r, width);
  std::vector<uint8_t> s_bytes = internal::BignumBytes(s, width);
  raw.insert(raw.end(), s_bytes.begin(), s_bytes.end());
  return raw;
}

absl::StatusOr<std::vector<uint8_t>> EcdsaRawToDer(std::span<const uint8_t> raw, Curve curve) {
  size_t width = CurveFieldSize(curve);
  if (raw.size() != 2 * width) {
    return absl::InvalidArgumentError(fmt::format(
        "{} raw ECDSA signature must be {} bytes, got {}", CurveName(curve), 2 * width, raw.size()));
  }
  BignumPtr r(BN_bin2bn(raw.data(), static_cast<int>(width), nullptr));
  BignumPtr s(BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "building ECDSA signature failed");
  }
  r.release();  // Now owned by sig.
  s.release();
  unsigned char* out = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &out);
  if (len <= 0) return OpenSslError(absl::StatusCode::kInternal, "encoding ECDSA signature failed");
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_free(out);
  return der;
}

}  // namespace dstart::crypto
