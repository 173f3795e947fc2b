// Digests, HMAC, constant-time comparison, randomness and AES-256-GCM.
#include <set>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"

namespace dstart::crypto {
namespace {

using common::AsBytes;
using common::HexDecode;
using common::HexEncode;
using ::testing::HasSubstr;

TEST(DigestTest, KnownAnswers) {
  // FIPS 180-2 appendix examples ("abc").
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha384(AsBytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
            "34c825a7");
  EXPECT_EQ(HexEncode(Sha512(AsBytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a"
            "3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(HexEncode(Sha1(AsBytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Digest(Hash::kSha384, AsBytes("abc")), Sha384(AsBytes("abc")));
  EXPECT_EQ(HexEncode(Sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HashSize(Hash::kSha256), 32u);
  EXPECT_EQ(HashSize(Hash::kSha384), 48u);
  EXPECT_EQ(HashSize(Hash::kSha512), 64u);
  EXPECT_EQ(HashName(Hash::kSha512), "SHA-512");
}

TEST(DigestTest, IncrementalAndFileDigestsMatchOneShot) {
  std::string data(200000, 'q');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  Hasher hasher(Hash::kSha256);
  hasher.Update(AsBytes(std::string_view(data).substr(0, 7)));
  hasher.Update({});
  hasher.Update(AsBytes(std::string_view(data).substr(7)));
  EXPECT_EQ(hasher.Finish(), Sha256(AsBytes(data)));

  testing::TempDir dir;
  testing::WriteFile(dir / "exe", data);
  auto file = DigestFile(Hash::kSha512, dir / "exe");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(*file, Sha512(AsBytes(data)));
  testing::WriteFile(dir / "empty", "");
  EXPECT_EQ(*DigestFile(Hash::kSha256, dir / "empty"), Sha256({}));

  auto missing = DigestFile(Hash::kSha256, dir / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("nope"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("No such file"));
  // A directory opens but cannot be read.
  auto directory = DigestFile(Hash::kSha256, dir.path());
  EXPECT_FALSE(directory.ok());
}

TEST(HmacTest, Rfc4231TestCase2) {
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(Hmac(Hash::kSha512, AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f"
            "8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  // Empty key and data still work.
  EXPECT_EQ(HmacSha256({}, {}).size(), 32u);
  EXPECT_NE(HmacSha256(AsBytes("k1"), AsBytes("m")), HmacSha256(AsBytes("k2"), AsBytes("m")));
}

TEST(ConstantTimeEqualsTest, ComparesLengthAndContents) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes(""), AsBytes("a")));
}

TEST(RandomTest, BytesHexAndSerials) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(33).size(), 33u);
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
  std::string hex = RandomHex(10);
  EXPECT_EQ(hex.size(), 20u);
  EXPECT_TRUE(HexDecode(hex).ok());
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint8_t> serial = RandomSerialNumber();
    ASSERT_EQ(serial.size(), 16u);
    EXPECT_EQ(serial[0] & 0x80, 0) << "serial must stay positive";
    seen.insert(serial);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

std::vector<uint8_t> Key(uint8_t fill = 7) { return std::vector<uint8_t>(32, fill); }

TEST(AeadTest, KnownAnswerGcmTestCase14) {
  // McGrew & Viega, "The GCM mode of operation", test case 14: zero key, IV and one zero block.
  std::vector<uint8_t> zeros16(16, 0), nonce(12, 0);
  auto sealed = Aes256GcmSealWithNonce(std::vector<uint8_t>(32, 0), nonce, zeros16);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(HexEncode(*sealed), "000000000000000000000000"
                                "cea7403d4d606b6e074ec5d3baf39d18"
                                "d0d1c8a799996bf0265b98b5d48ab919");
}

TEST(AeadTest, SealOpenRoundTrip) {
  for (std::string plaintext : {std::string(), std::string("x"), std::string(1000, 'y')}) {
    auto sealed = Aes256GcmSeal(Key(), AsBytes(plaintext), AsBytes("aad"));
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), plaintext.size() + kAesGcmNonceSize + kAesGcmTagSize);
    auto opened = Aes256GcmOpen(Key(), *sealed, AsBytes("aad"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(common::AsChars(*opened), plaintext);
  }
  // Fresh nonce each time.
  EXPECT_NE(*Aes256GcmSeal(Key(), AsBytes("same")), *Aes256GcmSeal(Key(), AsBytes("same")));
  // No AAD on both sides.
  auto sealed = Aes256GcmSeal(Key(), AsBytes("m"));
  EXPECT_TRUE(Aes256GcmOpen(Key(), *sealed).ok());
}

TEST(AeadTest, OpenRefusesEveryTamper) {
  std::vector<uint8_t> sealed = *Aes256GcmSeal(Key(), AsBytes("secret payload"), AsBytes("path/a"));
  // Any single bit of nonce, ciphertext or tag.
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::vector<uint8_t> bad = sealed;
    bad[i] ^= 0x80;
    auto opened = Aes256GcmOpen(Key(), bad, AsBytes("path/a"));
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    EXPECT_THAT(std::string(opened.status().message()), HasSubstr("authentication failed"));
  }
  EXPECT_FALSE(Aes256GcmOpen(Key(), sealed, AsBytes("path/b")).ok());
  EXPECT_FALSE(Aes256GcmOpen(Key(), sealed, {}).ok());
  EXPECT_FALSE(Aes256GcmOpen(Key(8), sealed, AsBytes("path/a")).ok());
  std::vector<uint8_t> truncated(sealed.begin(), sealed.end() - 1);
  EXPECT_FALSE(Aes256GcmOpen(Key(), truncated, AsBytes("path/a")).ok());
  auto too_short = Aes256GcmOpen(Key(), std::span(sealed).first(27), AsBytes("path/a"));
  ASSERT_FALSE(too_short.ok());
  EXPECT_THAT(std::string(too_short.status().message()), HasSubstr("shorter than"));
}

TEST(AeadTest, RefusesWrongKeyAndNonceSizes) {
  auto bad_key = Aes256GcmSeal(std::vector<uint8_t>(16, 1), AsBytes("m"));
  ASSERT_FALSE(bad_key.ok());
  EXPECT_THAT(std::string(bad_key.status().message()), HasSubstr("32 bytes"));
  EXPECT_FALSE(Aes256GcmOpen(std::vector<uint8_t>(31, 1), std::vector<uint8_t>(40, 0)).ok());
  EXPECT_FALSE(Aes256GcmSealWithNonce(Key(), std::vector<uint8_t>(16, 0), AsBytes("m")).ok());
}

}  // namespace
}  // namespace dstart::crypto
