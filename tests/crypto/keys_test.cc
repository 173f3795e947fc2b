#include "crypto/keys.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/encoding.h"
#include "crypto/pem.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::crypto {
namespace {

using ::testing::HasSubstr;

constexpr KeyType kAllTypes[] = {KeyType::kEcP256,  KeyType::kEcP384,  KeyType::kEcP521,
                                 KeyType::kRsa2048, KeyType::kRsa3072, KeyType::kRsa4096};

// RSA-3072/4096 generation is slow; tests that only need "some RSA key" share this one.
const PrivateKey& Rsa2048() {
  static const PrivateKey* key = new PrivateKey(*PrivateKey::Generate(KeyType::kRsa2048));
  return *key;
}

TEST(KeyTypeTest, NamesRoundTrip) {
  for (KeyType t : kAllTypes) {
    auto parsed = ParseKeyType(KeyTypeName(t));
    ASSERT_TRUE(parsed.ok()) << KeyTypeName(t);
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(KeyTypeName(KeyType::kEcP256), "ec-p256");
  EXPECT_EQ(KeyTypeName(KeyType::kEcP384), "ec-p384");
  EXPECT_EQ(KeyTypeName(KeyType::kRsa4096), "rsa-4096");
}

TEST(KeyTypeTest, UnknownNameListsKnownOnes) {
  auto parsed = ParseKeyType("ec-p224");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("\"ec-p224\""));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("ec-p384"));
  EXPECT_FALSE(ParseKeyType("EC-P256").ok());
  EXPECT_FALSE(ParseKeyType("").ok());
}

TEST(CurveTest, NamesAndSizes) {
  EXPECT_EQ(CurveName(Curve::kP256), "P-256");
  EXPECT_EQ(*ParseCurve("P-521"), Curve::kP521);
  EXPECT_FALSE(ParseCurve("P-224").ok());
  EXPECT_FALSE(ParseCurve("secp256k1").ok());
  EXPECT_EQ(CurveFieldSize(Curve::kP256), 32u);
  EXPECT_EQ(CurveFieldSize(Curve::kP384), 48u);
  EXPECT_EQ(CurveFieldSize(Curve::kP521), 66u);
  EXPECT_EQ(DefaultHashFor(KeyAlgorithm::kEc, Curve::kP256), Hash::kSha256);
  EXPECT_EQ(DefaultHashFor(KeyAlgorithm::kEc, Curve::kP384), Hash::kSha384);
  EXPECT_EQ(DefaultHashFor(KeyAlgorithm::kEc, Curve::kP521), Hash::kSha512);
  EXPECT_EQ(DefaultHashFor(KeyAlgorithm::kRsa, std::nullopt), Hash::kSha256);
}

class AllKeyTypesTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(AllKeyTypesTest, GenerateAndRoundTripPkcs8) {
  auto key = PrivateKey::Generate(GetParam());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), GetParam());

  std::vector<uint8_t> der = key->ToPkcs8Der();
  ASSERT_FALSE(der.empty());
  auto from_der = PrivateKey::FromDer(der);
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(from_der->type(), GetParam());
  EXPECT_TRUE(from_der->Matches(key->Public()));
  EXPECT_EQ(from_der->ToPkcs8Der(), der);

  std::string pem = key->ToPkcs8Pem();
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----\n"));
  auto from_pem = PrivateKey::FromPem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_EQ(from_pem->ToPkcs8Der(), der);

  // The DER really is PKCS#8: OpenSSL's PKCS#8 decoder takes it.
  const unsigned char* p = der.data();
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  EXPECT_NE(info, nullptr);
  PKCS8_PRIV_KEY_INFO_free(info);

  PublicKey pub = key->Public();
  auto pub2 = PublicKey::FromDer(pub.ToDer());
  ASSERT_TRUE(pub2.ok()) << pub2.status();
  EXPECT_TRUE(pub == *pub2);
  auto pub3 = PublicKey::FromPem(pub.ToPem());
  ASSERT_TRUE(pub3.ok()) << pub3.status();
  EXPECT_TRUE(pub == *pub3);
  EXPECT_EQ(pub.algorithm(), key->algorithm());
  EXPECT_EQ(pub.curve(), key->curve());
  EXPECT_EQ(pub.bits(), key->bits());
  EXPECT_EQ(pub.default_hash(), key->default_hash());
}

INSTANTIATE_TEST_SUITE_P(Keys, AllKeyTypesTest, ::testing::ValuesIn(kAllTypes),
                         [](const auto& info) {
                           std::string name(KeyTypeName(info.param));
                           name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
                           return name;
                         });

// The traditional encodings (SEC1 for EC, PKCS#1 for RSA), as i2d_PrivateKey writes them.
std::vector<uint8_t> TraditionalDer(const PrivateKey& key) {
  unsigned char* out = nullptr;
  int len = i2d_PrivateKey(key.get(), &out);
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_free(out);
  return der;
}

TEST(PrivateKeyTest, ReadsSec1AndPkcs1ButWritesPkcs8) {
  auto ec = PrivateKey::Generate(KeyType::kEcP384);
  ASSERT_TRUE(ec.ok());
  std::vector<uint8_t> sec1 = TraditionalDer(*ec);
  ASSERT_NE(sec1, ec->ToPkcs8Der());
  auto from_sec1_der = PrivateKey::FromDer(sec1);
  ASSERT_TRUE(from_sec1_der.ok()) << from_sec1_der.status();
  EXPECT_EQ(from_sec1_der->ToPkcs8Der(), ec->ToPkcs8Der());
  auto from_sec1_pem = PrivateKey::FromPem(EncodePem("EC PRIVATE KEY", sec1));
  ASSERT_TRUE(from_sec1_pem.ok()) << from_sec1_pem.status();
  EXPECT_EQ(from_sec1_pem->curve(), Curve::kP384);

  std::vector<uint8_t> pkcs1 = TraditionalDer(Rsa2048());
  auto from_pkcs1_der = PrivateKey::FromDer(pkcs1);
  ASSERT_TRUE(from_pkcs1_der.ok()) << from_pkcs1_der.status();
  EXPECT_EQ(from_pkcs1_der->ToPkcs8Der(), Rsa2048().ToPkcs8Der());
  auto from_pkcs1_pem = PrivateKey::FromPem(EncodePem("RSA PRIVATE KEY", pkcs1));
  ASSERT_TRUE(from_pkcs1_pem.ok()) << from_pkcs1_pem.status();
  EXPECT_EQ(from_pkcs1_pem->algorithm(), KeyAlgorithm::kRsa);
}

TEST(PrivateKeyTest, PemLabelMustMatchStructure) {
  std::vector<uint8_t> sec1 = TraditionalDer(*PrivateKey::Generate(KeyType::kEcP256));
  auto wrong = PrivateKey::FromPem(EncodePem("RSA PRIVATE KEY", sec1));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("PKCS#1"));
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("line 1"));
  auto wrong2 = PrivateKey::FromPem(EncodePem("PRIVATE KEY", sec1));
  ASSERT_FALSE(wrong2.ok());
  EXPECT_THAT(std::string(wrong2.status().message()), HasSubstr("PKCS#8"));
}

TEST(PrivateKeyTest, GarbagePemNamesTheProblem) {
  auto none = PrivateKey::FromPem("hello world");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("no PEM block"));

  auto cert_only = PrivateKey::FromPem(EncodePem("CERTIFICATE", std::vector<uint8_t>{1, 2, 3}));
  ASSERT_FALSE(cert_only.ok());
  EXPECT_THAT(std::string(cert_only.status().message()), HasSubstr("found: CERTIFICATE"));

  auto bad_b64 = PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(bad_b64.ok());
  EXPECT_THAT(std::string(bad_b64.status().message()), HasSubstr("not base64"));

  auto encrypted = PrivateKey::FromPem(EncodePem("ENCRYPTED PRIVATE KEY", std::vector<uint8_t>{1}));
  ASSERT_FALSE(encrypted.ok());
  EXPECT_THAT(std::string(encrypted.status().message()), HasSubstr("encrypted"));

  auto legacy = PrivateKey::FromPem(
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
      "-----END RSA PRIVATE KEY-----\n");
  ASSERT_FALSE(legacy.ok());
  EXPECT_THAT(std::string(legacy.status().message()), HasSubstr("line 2"));

  auto junk_der = PrivateKey::FromPem(EncodePem("PRIVATE KEY", std::vector<uint8_t>{0x30, 0x03, 1, 2, 3}));
  ASSERT_FALSE(junk_der.ok());
}

TEST(PrivateKeyTest, TruncatedAndTrailingDerRefused) {
  std::vector<uint8_t> der = PrivateKey::Generate(KeyType::kEcP256)->ToPkcs8Der();
  std::vector<uint8_t> truncated(der.begin(), der.end() - 1);
  EXPECT_FALSE(PrivateKey::FromDer(truncated).ok());
  std::vector<uint8_t> trailing = der;
  trailing.push_back(0);
  auto t = PrivateKey::FromDer(trailing);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("bytes after"));
  EXPECT_FALSE(PrivateKey::FromDer({}).ok());
}

TEST(PrivateKeyTest, RefusesUnsupportedAlgorithmsAndCurves) {
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  auto from_ed = PrivateKey::FromHandle(EvpPkeyPtr(ed));
  ASSERT_FALSE(from_ed.ok());
  EXPECT_THAT(std::string(from_ed.status().message()), HasSubstr("not supported"));

  EVP_PKEY* k1 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
  ASSERT_NE(k1, nullptr);
  EvpPkeyPtr k1_ptr(k1);
  unsigned char* out = nullptr;
  int len = i2d_PrivateKey(k1, &out);
  std::vector<uint8_t> sec1(out, out + len);
  OPENSSL_free(out);
  auto from_k1 = PrivateKey::FromDer(sec1);
  ASSERT_FALSE(from_k1.ok());

  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(small, nullptr);
  auto from_small = PrivateKey::FromHandle(EvpPkeyPtr(small));
  ASSERT_FALSE(from_small.ok());
  EXPECT_THAT(std::string(from_small.status().message()), HasSubstr("too small"));
}

TEST(PrivateKeyTest, CopiesShareTheKey) {
  auto key = PrivateKey::Generate(KeyType::kEcP256);
  ASSERT_TRUE(key.ok());
  PrivateKey copy = *key;
  EXPECT_EQ(copy.get(), key->get());
  PrivateKey assigned = *PrivateKey::Generate(KeyType::kEcP384);
  assigned = copy;
  EXPECT_EQ(assigned.get(), key->get());
  EXPECT_TRUE(assigned.Matches(key->Public()));
  EXPECT_FALSE(PrivateKey::Generate(KeyType::kEcP256)->Matches(key->Public()));
  EXPECT_FALSE(Rsa2048().Matches(key->Public()));
}

TEST(PublicKeyTest, EcCoordinatesArePaddedAndRoundTrip) {
  // About one key in 128 has a coordinate with a leading zero byte; search until one shows up,
  // which proves the padding.
  for (Curve curve : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    KeyType type = curve == Curve::kP256   ? KeyType::kEcP256
                   : curve == Curve::kP384 ? KeyType::kEcP384
                                           : KeyType::kEcP521;
    bool saw_leading_zero = false;
    for (int i = 0; i < 2000 && !saw_leading_zero; ++i) {
      PublicKey pub = PrivateKey::Generate(type)->Public();
      auto point = pub.EcCoordinates();
      ASSERT_TRUE(point.ok()) << point.status();
      ASSERT_EQ(point->x.size(), CurveFieldSize(curve));
      ASSERT_EQ(point->y.size(), CurveFieldSize(curve));
      EXPECT_EQ(point->curve, curve);
      saw_leading_zero = point->x[0] == 0 || point->y[0] == 0;
      auto back = PublicKey::FromEcCoordinates(curve, point->x, point->y);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_TRUE(*back == pub);
    }
    EXPECT_TRUE(saw_leading_zero) << CurveName(curve);
  }
}

TEST(PublicKeyTest, EcCoordinatesRefuseBadInput) {
  auto point = PrivateKey::Generate(KeyType::kEcP256)->Public().EcCoordinates();
  ASSERT_TRUE(point.ok());
  // Wrong lengths: a stripped leading byte is not accepted (go-jose insists on full length).
  std::vector<uint8_t> short_x(point->x.begin() + 1, point->x.end());
  auto s = PublicKey::FromEcCoordinates(Curve::kP256, short_x, point->y);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("32 bytes"));
  // Right length, wrong curve.
  EXPECT_FALSE(PublicKey::FromEcCoordinates(Curve::kP384, point->x, point->y).ok());
  // Off the curve.
  std::vector<uint8_t> bad_y = point->y;
  bad_y.back() ^= 1;
  auto off = PublicKey::FromEcCoordinates(Curve::kP256, point->x, bad_y);
  ASSERT_FALSE(off.ok());
  EXPECT_THAT(std::string(off.status().message()), HasSubstr("not on the curve"));
  // RSA accessors on an EC key.
  EXPECT_EQ(PrivateKey::Generate(KeyType::kEcP256)->Public().RsaParameters().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PublicKeyTest, RsaComponentsRoundTrip) {
  PublicKey pub = Rsa2048().Public();
  auto rsa = pub.RsaParameters();
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  EXPECT_EQ(rsa->n.size(), 256u);
  EXPECT_EQ(common::Base64UrlEncode(rsa->e), "AQAB");
  auto back = PublicKey::FromRsaComponents(rsa->n, rsa->e);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == pub);
  EXPECT_EQ(pub.EcCoordinates().status().code(), absl::StatusCode::kFailedPrecondition);

  std::vector<uint8_t> small_n(128, 0xff);
  auto small = PublicKey::FromRsaComponents(small_n, rsa->e);
  ASSERT_FALSE(small.ok());
  EXPECT_THAT(std::string(small.status().message()), HasSubstr("too small"));
  std::vector<uint8_t> even_e = {0x01, 0x00, 0x00};
  EXPECT_FALSE(PublicKey::FromRsaComponents(rsa->n, even_e).ok());
  EXPECT_FALSE(PublicKey::FromRsaComponents({}, rsa->e).ok());
}

TEST(PublicKeyTest, DerAndPemErrors) {
  std::vector<uint8_t> der = PrivateKey::Generate(KeyType::kEcP256)->Public().ToDer();
  std::vector<uint8_t> truncated(der.begin(), der.end() - 3);
  EXPECT_FALSE(PublicKey::FromDer(truncated).ok());
  der.push_back(7);
  auto trailing = PublicKey::FromDer(der);
  ASSERT_FALSE(trailing.ok());
  EXPECT_THAT(std::string(trailing.status().message()), HasSubstr("after"));
  auto no_block = PublicKey::FromPem(EncodePem("PRIVATE KEY", der));
  ASSERT_FALSE(no_block.ok());
  EXPECT_THAT(std::string(no_block.status().message()), HasSubstr("PUBLIC KEY"));
  EXPECT_FALSE(PublicKey::FromHandle(nullptr).ok());
}

TEST(PublicKeyTest, EqualityDistinguishesKeys) {
  PublicKey a = PrivateKey::Generate(KeyType::kEcP256)->Public();
  PublicKey b = PrivateKey::Generate(KeyType::kEcP256)->Public();
  PublicKey a2 = a;
  EXPECT_TRUE(a == a2);
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(a == Rsa2048().Public());
  b = a;
  EXPECT_TRUE(a == b);
}

}  // namespace
}  // namespace dstart::crypto
