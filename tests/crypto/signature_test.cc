#include "crypto/signature.h"

#include "common/encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::crypto {
namespace {

using common::AsBytes;

const PrivateKey& Rsa2048() {
  static const PrivateKey* key = new PrivateKey(*PrivateKey::Generate(KeyType::kRsa2048));
  return *key;
}

struct Case {
  KeyType type;
  Hash hash;
  RsaPadding padding;
};

class SignVerifyTest : public ::testing::TestWithParam<Case> {};

TEST_P(SignVerifyTest, SignsVerifiesAndRefusesTampering) {
  const Case& c = GetParam();
  PrivateKey key = c.type == KeyType::kRsa2048 ? Rsa2048() : *PrivateKey::Generate(c.type);
  std::string message = "the quick brown fox";
  auto sig = Sign(key, c.hash, AsBytes(message), c.padding);
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_TRUE(Verify(key.Public(), c.hash, AsBytes(message), *sig, c.padding).ok());

  // Another message.
  EXPECT_FALSE(Verify(key.Public(), c.hash, AsBytes("the quick brown fox."), *sig, c.padding).ok());
  // A flipped bit anywhere in the signature.
  for (size_t i : {size_t{0}, sig->size() / 2, sig->size() - 1}) {
    std::vector<uint8_t> bad = *sig;
    bad[i] ^= 0x01;
    auto s = Verify(key.Public(), c.hash, AsBytes(message), bad, c.padding);
    EXPECT_FALSE(s.ok()) << "byte " << i;
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    }
  }
  // A truncated or empty signature.
  std::vector<uint8_t> truncated(sig->begin(), sig->end() - 1);
  EXPECT_FALSE(Verify(key.Public(), c.hash, AsBytes(message), truncated, c.padding).ok());
  EXPECT_FALSE(Verify(key.Public(), c.hash, AsBytes(message), {}, c.padding).ok());
  // Another hash.
  Hash other = c.hash == Hash::kSha256 ? Hash::kSha384 : Hash::kSha256;
  EXPECT_FALSE(Verify(key.Public(), other, AsBytes(message), *sig, c.padding).ok());
  // Another key of the same type.
  PrivateKey other_key = *PrivateKey::Generate(c.type == KeyType::kRsa2048 ? KeyType::kEcP256 : c.type);
  EXPECT_FALSE(Verify(other_key.Public(), c.hash, AsBytes(message), *sig, c.padding).ok());
  if (key.algorithm() == KeyAlgorithm::kRsa) {
    // The other padding.
    RsaPadding p = c.padding == RsaPadding::kPss ? RsaPadding::kPkcs1v15 : RsaPadding::kPss;
    EXPECT_FALSE(Verify(key.Public(), c.hash, AsBytes(message), *sig, p).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Signatures, SignVerifyTest,
    ::testing::Values(Case{KeyType::kEcP256, Hash::kSha256, RsaPadding::kPkcs1v15},
                      Case{KeyType::kEcP384, Hash::kSha384, RsaPadding::kPkcs1v15},
                      Case{KeyType::kEcP521, Hash::kSha512, RsaPadding::kPkcs1v15},
                      Case{KeyType::kEcP256, Hash::kSha512, RsaPadding::kPkcs1v15},
                      Case{KeyType::kRsa2048, Hash::kSha256, RsaPadding::kPkcs1v15},
                      Case{KeyType::kRsa2048, Hash::kSha384, RsaPadding::kPkcs1v15},
                      Case{KeyType::kRsa2048, Hash::kSha512, RsaPadding::kPkcs1v15},
                      Case{KeyType::kRsa2048, Hash::kSha256, RsaPadding::kPss},
                      Case{KeyType::kRsa2048, Hash::kSha384, RsaPadding::kPss},
                      Case{KeyType::kRsa2048, Hash::kSha512, RsaPadding::kPss}));

TEST(SignatureTest, PssIsRandomizedPkcs1IsNot) {
  auto a = Sign(Rsa2048(), Hash::kSha256, AsBytes("m"), RsaPadding::kPss);
  auto b = Sign(Rsa2048(), Hash::kSha256, AsBytes("m"), RsaPadding::kPss);
  EXPECT_NE(*a, *b);
  auto c = Sign(Rsa2048(), Hash::kSha256, AsBytes("m"), RsaPadding::kPkcs1v15);
  auto d = Sign(Rsa2048(), Hash::kSha256, AsBytes("m"), RsaPadding::kPkcs1v15);
  EXPECT_EQ(*c, *d);
  EXPECT_EQ(c->size(), 256u);
}

TEST(EcdsaRawTest, RoundTripsAndVerifies) {
  for (auto [type, curve] : {std::pair{KeyType::kEcP256, Curve::kP256},
                             std::pair{KeyType::kEcP384, Curve::kP384},
                             std::pair{KeyType::kEcP521, Curve::kP521}}) {
    PrivateKey key = *PrivateKey::Generate(type);
    // Many signatures, so that short r or s (leading zeros stripped in DER) occur.
    for (int i = 0; i < 300; ++i) {
      auto der = Sign(key, key.default_hash(), AsBytes("payload"));
      ASSERT_TRUE(der.ok());
      auto raw = EcdsaDerToRaw(*der, curve);
      ASSERT_TRUE(raw.ok()) << raw.status();
      ASSERT_EQ(raw->size(), 2 * CurveFieldSize(curve));
      auto back = EcdsaRawToDer(*raw, curve);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, *der);
    }
  }
}

TEST(EcdsaRawTest, RefusesMalformedInput) {
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP384);
  auto der = *Sign(key, Hash::kSha384, AsBytes("x"));
  // A P-384 signature does not fit P-256's 32-byte fields.
  EXPECT_FALSE(EcdsaDerToRaw(der, Curve::kP256).ok());
  std::vector<uint8_t> truncated(der.begin(), der.end() - 1);
  EXPECT_FALSE(EcdsaDerToRaw(truncated, Curve::kP384).ok());
  std::vector<uint8_t> trailing = der;
  trailing.push_back(0);
  EXPECT_FALSE(EcdsaDerToRaw(trailing, Curve::kP384).ok());
  EXPECT_FALSE(EcdsaDerToRaw({}, Curve::kP384).ok());

  auto raw = *EcdsaDerToRaw(der, Curve::kP384);
  auto wrong_len = EcdsaRawToDer(std::span(raw).first(raw.size() - 1), Curve::kP384);
  ASSERT_FALSE(wrong_len.ok());
  EXPECT_THAT(std::string(wrong_len.status().message()), ::testing::HasSubstr("96 bytes"));
  EXPECT_FALSE(EcdsaRawToDer(raw, Curve::kP256).ok());
  // A tampered raw signature converts but no longer verifies.
  raw[5] ^= 0x10;
  auto tampered = EcdsaRawToDer(raw, Curve::kP384);
  ASSERT_TRUE(tampered.ok());
  EXPECT_FALSE(Verify(key.Public(), Hash::kSha384, AsBytes("x"), *tampered).ok());
}

}  // namespace
}  // namespace dstart::crypto
