#include "crypto/keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>

#include "common/status.h"
#include "crypto/internal.h"
#include "crypto/pem.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

using internal::OpenSslError;

struct KeyTypeInfo {
  KeyType type;
  std::string_view name;
  KeyAlgorithm algorithm;
  Curve curve;  // EC only.
  int bits;
};

constexpr std::array<KeyTypeInfo, 6> kKeyTypes = {{
    {KeyType::kEcP256, "ec-p256", KeyAlgorithm::kEc, Curve::kP256, 256},
    {KeyType::kEcP384, "ec-p384", KeyAlgorithm::kEc, Curve::kP384, 384},
    {KeyType::kEcP521, "ec-p521", KeyAlgorithm::kEc, Curve::kP521, 521},
    {KeyType::kRsa2048, "rsa-2048", KeyAlgorithm::kRsa, Curve::kP256, 2048},
    {KeyType::kRsa3072, "rsa-3072", KeyAlgorithm::kRsa, Curve::kP256, 3072},
    {KeyType::kRsa4096, "rsa-4096", KeyAlgorithm::kRsa, Curve::kP256, 4096},
}};

struct CurveInfo {
  Curve curve;
  std::string_view jwk_name;
  const char* group_name;  // OpenSSL's.
  size_t field_size;
};

constexpr std::array<CurveInfo, 3> kCurves = {{
    {Curve::kP256, "P-256", "prime256v1", 32},
    {Curve::kP384, "P-384", "secp384r1", 48},
    {Curve::kP521, "P-521", "secp521r1", 66},
}};

const CurveInfo& InfoFor(Curve curve) {
  for (const auto& c : kCurves) {
    if (c.curve == curve) return c;
  }
  return kCurves[0];
}

constexpr int kMinRsaBits = 2048;

// Classifies a key as one dstart supports: EC on one of the three curves, or RSA >= 2048 bits.
absl::Status Classify(const EVP_PKEY* key, KeyAlgorithm* algorithm, std::optional<Curve>* curve) {
  int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
      return absl::InvalidArgumentError(fmt::format(
          "RSA key of {} bits is too small (at least {})", EVP_PKEY_get_bits(key), kMinRsaBits));
    }
    *algorithm = KeyAlgorithm::kRsa;
    curve->reset();
    return absl::OkStatus();
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) != 1) {
      internal::ClearOpenSslErrors();
      return absl::InvalidArgumentError(
          "EC key has explicit curve parameters; only named curves P-256, P-384, P-521 are "
          "supported");
    }
    for (const auto& c : kCurves) {
      if (std::string_view(group, len) == c.group_name) {
        *algorithm = KeyAlgorithm::kEc;
        *curve = c.curve;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(fmt::format(
        "EC curve \"{}\" is not supported (P-256, P-384, P-521 are)", std::string_view(group, len)));
  }
  const char* name = OBJ_nid2sn(id);
  return absl::InvalidArgumentError(fmt::format(
      "key algorithm \"{}\" is not supported (EC and RSA are)", name ? name : "unknown"));
}

EvpPkeyPtr UpRef(EVP_PKEY* key) {
  if (key != nullptr) EVP_PKEY_up_ref(key);
  return EvpPkeyPtr(key);
}

}  // namespace

std::string_view KeyTypeName(KeyType type) {
  for (const auto& t : kKeyTypes) {
    if (t.type == type) return t.name;
  }
  return "?";
}

absl::StatusOr<KeyType> ParseKeyType(std::string_view name) {
  std::string known;
  for (const auto& t : kKeyTypes) {
    if (t.name == name) return t.type;
    known += known.empty() ? "" : ", ";
    known += t.name;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown key type \"{}\" (known: {})", name, known));
}

std::string_view CurveName(Curve curve) { return InfoFor(curve).jwk_name; }

absl::StatusOr<Curve> ParseCurve(std::string_view jwk_crv) {
  for (const auto& c : kCurves) {
    if (c.jwk_name == jwk_crv) return c.curve;
  }
  return absl::InvalidArgumentError(
      fmt::format("unsupported EC curve \"{}\" (P-256, P-384, P-521 are)", jwk_crv));
}

size_t CurveFieldSize(Curve curve) { return InfoFor(curve).field_size; }

Hash DefaultHashFor(KeyAlgorithm algorithm, std::optional<Curve> curve) {
  if (algorithm == KeyAlgorithm::kEc && curve) {
    switch (*curve) {
      case Curve::kP256:
        return Hash::kSha256;
      case Curve::kP384:
        return Hash::kSha384;
      case Curve::kP521:
        return Hash::kSha512;
    }
  }
  return Hash::kSha256;
}

// --- PublicKey -----------------------------------------------------------------------------------

PublicKey::PublicKey(EvpPkeyPtr key, KeyAlgorithm algorithm, std::optional<Curve> curve)
    : key_(std::move(key)), algorithm_(algorithm), curve_(curve) {}
PublicKey::PublicKey(const PublicKey& other)
    : key_(UpRef(other.key_.get())), algorithm_(other.algorithm_), curve_(other.curve_) {}
PublicKey& PublicKey::operator=(const PublicKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    algorithm_ = other.algorithm_;
    curve_ = other.curve_;
  }
  return *this;
}
PublicKey::~PublicKey() = default;

absl::StatusOr<PublicKey> PublicKey::FromHandle(EvpPkeyPtr key) {
  if (!key) return absl::InvalidArgumentError("no key");
  KeyAlgorithm algorithm;
  std::optional<Curve> curve;
  if (auto s = Classify(key.get(), &algorithm, &curve); !s.ok()) return s;
  return PublicKey(std::move(key), algorithm, curve);
}

absl::StatusOr<PublicKey> PublicKey::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "public key: not a DER SubjectPublicKeyInfo");
  }
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError(
        fmt::format("public key: {} bytes after the SubjectPublicKeyInfo",
                    der.data() + der.size() - p));
  }
  return FromHandle(std::move(key));
}

absl::StatusOr<PublicKey> PublicKey::FromPem(std::string_view pem) {
  DSTART_ASSIGN_OR_RETURN(auto blocks, ParsePem(pem));
  for (const auto& b : blocks) {
    if (b.label == "PUBLIC KEY") {
      auto key = FromDer(b.der);
      if (!key.ok()) {
        return absl::Status(key.status().code(), fmt::format("PEM block on line {}: {}", b.line,
                                                             std::string(key.status().message())));
      }
      return key;
    }
  }
  return absl::InvalidArgumentError("no \"PUBLIC KEY\" PEM block found");
}

absl::StatusOr<PublicKey> PublicKey::FromEcCoordinates(Curve curve, std::span<const uint8_t> x,
                                                       std::span<const uint8_t> y) {
  const CurveInfo& info = InfoFor(curve);
  if (x.size() != info.field_size || y.size() != info.field_size) {
    return absl::InvalidArgumentError(
        fmt::format("{} coordinates must be {} bytes each, got x={} y={}", info.jwk_name,
                    info.field_size, x.size(), y.size()));
  }
  std::vector<uint8_t> point(1 + 2 * info.field_size);
  point[0] = POINT_CONVERSION_UNCOMPRESSED;
  std::copy(x.begin(), x.end(), point.begin() + 1);
  std::copy(y.begin(), y.end(), point.begin() + 1 + info.field_size);
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, info.group_name, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "building EC key parameters failed");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        fmt::format("{} point is not on the curve", info.jwk_name));
  }
  EvpPkeyPtr key(raw);
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        fmt::format("{} point is not on the curve", info.jwk_name));
  }
  return PublicKey(std::move(key), KeyAlgorithm::kEc, curve);
}

absl::StatusOr<PublicKey> PublicKey::FromRsaComponents(std::span<const uint8_t> n,
                                                       std::span<const uint8_t> e) {
  if (n.empty() || e.empty()) return absl::InvalidArgumentError("RSA n and e must not be empty");
  BignumPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  BignumPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  if (!bn_n || !bn_e) return OpenSslError(absl::StatusCode::kInternal, "BN_bin2bn failed");
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) {
    return absl::InvalidArgumentError(fmt::format(
        "RSA modulus of {} bits is too small (at least {})", BN_num_bits(bn_n.get()), kMinRsaBits));
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
    return absl::InvalidArgumentError("RSA public exponent must be odd and greater than 1");
  }
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "building RSA key parameters failed");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "RSA n/e do not form a valid key");
  }
  return PublicKey(EvpPkeyPtr(raw), KeyAlgorithm::kRsa, std::nullopt);
}

std::vector<uint8_t> PublicKey::ToDer() const {
  return internal::EncodeDer(i2d_PUBKEY, key_.get());
}

std::string PublicKey::ToPem() const { return EncodePem("PUBLIC KEY", ToDer()); }

int PublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

absl::StatusOr<PublicKey::EcPoint> PublicKey::EcCoordinates() const {
  if (algorithm_ != KeyAlgorithm::kEc || !curve_) {
    return absl::FailedPreconditionError("not an EC key");
  }
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  int ok_x = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
  BignumPtr bx(x);
  int ok_y = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
  BignumPtr by(y);
  if (ok_x != 1 || ok_y != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "reading EC coordinates failed");
  }
  size_t width = CurveFieldSize(*curve_);
  return EcPoint{*curve_, internal::BignumBytes(bx.get(), width),
                 internal::BignumBytes(by.get(), width)};
}

absl::StatusOr<PublicKey::RsaComponents> PublicKey::RsaParameters() const {
  if (algorithm_ != KeyAlgorithm::kRsa) return absl::FailedPreconditionError("not an RSA key");
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  int ok_n = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  BignumPtr bn(n);
  int ok_e = EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  BignumPtr be(e);
  if (ok_n != 1 || ok_e != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "reading RSA parameters failed");
  }
  return RsaComponents{internal::BignumBytes(bn.get()), internal::BignumBytes(be.get())};
}

bool PublicKey::operator==(const PublicKey& other) const {
  if (key_.get() == other.key_.get()) return true;
  if (!key_ || !other.key_) return false;
  bool eq = EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
  internal::ClearOpenSslErrors();
  return eq;
}

// --- PrivateKey ----------------------------------------------------------------------------------

PrivateKey::PrivateKey(EvpPkeyPtr key, KeyAlgorithm algorithm, std::optional<Curve> curve)
    : key_(std::move(key)), algorithm_(algorithm), curve_(curve) {}
PrivateKey::PrivateKey(const PrivateKey& other)
    : key_(UpRef(other.key_.get())), algorithm_(other.algorithm_), curve_(other.curve_) {}
PrivateKey& PrivateKey::operator=(const PrivateKey& other) {
  if (this != &other) {
    key_ = UpRef(other.key_.get());
    algorithm_ = other.algorithm_;
    curve_ = other.curve_;
  }
  return *this;
}
PrivateKey::~PrivateKey() = default;

absl::StatusOr<PrivateKey> PrivateKey::Generate(KeyType type) {
  for (const auto& t : kKeyTypes) {
    if (t.type != type) continue;
    EvpPkeyPtr key(t.algorithm == KeyAlgorithm::kEc
                       ? EVP_EC_gen(InfoFor(t.curve).group_name)
                       : EVP_RSA_gen(static_cast<unsigned int>(t.bits)));
    if (!key) {
      return OpenSslError(absl::StatusCode::kInternal,
                          fmt::format("generating a {} key failed", t.name));
    }
    std::optional<Curve> curve;
    if (t.algorithm == KeyAlgorithm::kEc) curve = t.curve;
    return PrivateKey(std::move(key), t.algorithm, curve);
  }
  return absl::InvalidArgumentError("unknown key type");
}

absl::StatusOr<PrivateKey> PrivateKey::FromHandle(EvpPkeyPtr key) {
  if (!key) return absl::InvalidArgumentError("no key");
  KeyAlgorithm algorithm;
  std::optional<Curve> curve;
  if (auto s = Classify(key.get(), &algorithm, &curve); !s.ok()) return s;
  return PrivateKey(std::move(key), algorithm, curve);
}

namespace {

enum class KeyFormat { kAny, kPkcs8, kSec1, kPkcs1 };

absl::StatusOr<PrivateKey> DecodePrivateKey(std::span<const uint8_t> der, KeyFormat format) {
  const unsigned char* end = der.data() + der.size();
  auto trailing = [&](const unsigned char* p) -> absl::Status {
    if (p != end) {
      return absl::InvalidArgumentError(
          fmt::format("private key: {} bytes after the key structure", end - p));
    }
    return absl::OkStatus();
  };
  if (format == KeyFormat::kAny || format == KeyFormat::kPkcs8) {
    const unsigned char* p = der.data();
    Pkcs8PrivKeyInfoPtr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
    if (info) {
      DSTART_RETURN_IF_ERROR(trailing(p));
      EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
      if (!key) {
        return OpenSslError(absl::StatusCode::kInvalidArgument,
                            "PKCS#8 private key: unsupported or malformed key");
      }
      return PrivateKey::FromHandle(std::move(key));
    }
    internal::ClearOpenSslErrors();
    if (format == KeyFormat::kPkcs8) {
      return absl::InvalidArgumentError("not a DER PKCS#8 PrivateKeyInfo");
    }
  }
  if (format == KeyFormat::kAny || format == KeyFormat::kSec1) {
    const unsigned char* p = der.data();
    EvpPkeyPtr key(d2i_PrivateKey(EVP_PKEY_EC, nullptr, &p, static_cast<long>(der.size())));
    if (key) {
      DSTART_RETURN_IF_ERROR(trailing(p));
      return PrivateKey::FromHandle(std::move(key));
    }
    internal::ClearOpenSslErrors();
    if (format == KeyFormat::kSec1) {
      return absl::InvalidArgumentError("not a DER SEC1 ECPrivateKey (or its curve is unknown)");
    }
  }
  if (format == KeyFormat::kAny || format == KeyFormat::kPkcs1) {
    const unsigned char* p = der.data();
    EvpPkeyPtr key(d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
    if (key) {
      DSTART_RETURN_IF_ERROR(trailing(p));
      return PrivateKey::FromHandle(std::move(key));
    }
    internal::ClearOpenSslErrors();
    if (format == KeyFormat::kPkcs1) {
      return absl::InvalidArgumentError("not a DER PKCS#1 RSAPrivateKey");
    }
  }
  return absl::InvalidArgumentError(
      "not a DER private key (tried PKCS#8 PrivateKeyInfo, SEC1 ECPrivateKey, PKCS#1 "
      "RSAPrivateKey)");
}

}  // namespace

absl::StatusOr<PrivateKey> PrivateKey::FromDer(std::span<const uint8_t> der) {
  return DecodePrivateKey(der, KeyFormat::kAny);
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  DSTART_ASSIGN_OR_RETURN(auto blocks, ParsePem(pem));
  for (const auto& b : blocks) {
    KeyFormat format;
    if (b.label == "PRIVATE KEY") {
      format = KeyFormat::kPkcs8;
    } else if (b.label == "EC PRIVATE KEY") {
      format = KeyFormat::kSec1;
    } else if (b.label == "RSA PRIVATE KEY") {
      format = KeyFormat::kPkcs1;
    } else if (b.label == "ENCRYPTED PRIVATE KEY") {
      return absl::InvalidArgumentError(fmt::format(
          "PEM block on line {}: encrypted private keys are not supported (decrypt first, e.g. "
          "openssl pkey -in key.pem -out plain.pem)",
          b.line));
    } else {
      continue;
    }
    auto key = DecodePrivateKey(b.der, format);
    if (!key.ok()) {
      return absl::Status(key.status().code(),
                          fmt::format("PEM block \"{}\" on line {}: {}", b.label, b.line,
                                      std::string(key.status().message())));
    }
    return key;
  }
  std::string labels;
  for (const auto& b : blocks) labels += (labels.empty() ? "" : ", ") + b.label;
  return absl::InvalidArgumentError(fmt::format(
      "no private key PEM block found (\"PRIVATE KEY\", \"EC PRIVATE KEY\" or \"RSA PRIVATE "
      "KEY\"); found: {}",
      labels));
}

std::vector<uint8_t> PrivateKey::ToPkcs8Der() const {
  Pkcs8PrivKeyInfoPtr info(EVP_PKEY2PKCS8(key_.get()));
  if (!info) {
    internal::ClearOpenSslErrors();
    return {};
  }
  unsigned char* out = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out);
  if (len <= 0) {
    internal::ClearOpenSslErrors();
    return {};
  }
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_clear_free(out, static_cast<size_t>(len));
  return der;
}

std::string PrivateKey::ToPkcs8Pem() const {
  std::vector<uint8_t> der = ToPkcs8Der();
  std::string pem = EncodePem("PRIVATE KEY", der);
  OPENSSL_cleanse(der.data(), der.size());
  return pem;
}

PublicKey PrivateKey::Public() const {
  // A separate public-only object, so that a PublicKey never carries private material. Copying
  // the public parameters is much cheaper than an encode/decode round trip in OpenSSL 3.0.
  OSSL_PARAM* raw_params = nullptr;
  EvpPkeyPtr pub;
  if (EVP_PKEY_todata(key_.get(), EVP_PKEY_PUBLIC_KEY, &raw_params) == 1) {
    OsslParamPtr params(raw_params);
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
    EVP_PKEY* out = nullptr;
    if (ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
        EVP_PKEY_fromdata(ctx.get(), &out, EVP_PKEY_PUBLIC_KEY, params.get()) == 1) {
      pub.reset(out);
    }
  }
  if (!pub) {
    // Cannot happen for keys that passed Classify; fall back to sharing the key.
    internal::ClearOpenSslErrors();
    pub = UpRef(key_.get());
  }
  return PublicKey(std::move(pub), algorithm_, curve_);
}

int PrivateKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

std::optional<KeyType> PrivateKey::type() const {
  for (const auto& t : kKeyTypes) {
    if (t.algorithm != algorithm_) continue;
    if (algorithm_ == KeyAlgorithm::kEc ? curve_ == t.curve : bits() == t.bits) return t.type;
  }
  return std::nullopt;
}

bool PrivateKey::Matches(const PublicKey& pub) const {
  if (!pub.get()) return false;
  bool eq = EVP_PKEY_eq(key_.get(), pub.get()) == 1;
  internal::ClearOpenSslErrors();
  return eq;
}

}  // namespace dstart::crypto
