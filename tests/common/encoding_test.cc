#include "common/encoding.h"

#include <gtest/gtest.h>

namespace dstart::common {
namespace {

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

TEST(Hex, RoundTrips) {
  EXPECT_EQ(HexEncode(AsBytes("\x01\xab\xff")), "01abff");
  EXPECT_EQ(Str(*HexDecode("01ABff")), "\x01\xab\xff");
}

TEST(Hex, RefusesOddLengthAndForeignCharacters) {
  EXPECT_FALSE(HexDecode("abc").ok());
  auto bad = HexDecode("zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("offset 0"), std::string::npos);
}

// RFC 4648 §10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(Str(*Base64Decode(encoded)), plain);
  }
}

TEST(Base64, RefusesForeignCharactersAndNonCanonicalEndings) {
  EXPECT_FALSE(Base64Decode("Zm9v YmFy").ok());
  EXPECT_FALSE(Base64Decode("Zm9-").ok());  // url alphabet in a standard decoder
  EXPECT_FALSE(Base64Decode("Zh==").ok());  // 'h' leaves non-zero bits
  EXPECT_FALSE(Base64Decode("A").ok());
}

TEST(Base64Url, NoPaddingAndUrlAlphabet) {
  const uint8_t data[] = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  EXPECT_EQ(Str(*Base64UrlDecode("Zm9vYg")), "foob");
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
}

}  // namespace
}  // namespace dstart::common
