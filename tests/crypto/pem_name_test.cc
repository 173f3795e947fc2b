#include "crypto/name.h"
#include "crypto/pem.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::crypto {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(PemTest, EncodeAndParseRoundTrip) {
  std::vector<uint8_t> der(100);
  for (size_t i = 0; i < der.size(); ++i) der[i] = static_cast<uint8_t>(i * 7);
  std::string pem = EncodePem("CERTIFICATE", der);
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_TRUE(pem.ends_with("-----END CERTIFICATE-----\n"));
  // 100 bytes -> 136 base64 characters -> lines of 64, 64, 8.
  auto blocks = ParsePem("leading text\n" + pem + "between\r\n" + EncodePem("PRIVATE KEY", std::vector<uint8_t>{1, 2}));
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].label, "CERTIFICATE");
  EXPECT_EQ((*blocks)[0].der, der);
  EXPECT_EQ((*blocks)[0].line, 2);
  EXPECT_EQ((*blocks)[1].label, "PRIVATE KEY");
  EXPECT_EQ((*blocks)[1].der, (std::vector<uint8_t>{1, 2}));
}

TEST(PemTest, AcceptsCrlfAndUnwrappedBodies) {
  auto blocks = ParsePem("-----BEGIN X-----\r\nAQID\r\nBA==\r\n-----END X-----\r\n");
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  EXPECT_EQ((*blocks)[0].der, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(PemTest, ErrorsNameTheLine) {
  auto none = ParsePem("");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(Message(none.status()), HasSubstr("no PEM block"));

  auto no_end = ParsePem("x\n-----BEGIN CERTIFICATE-----\nAQID\n");
  ASSERT_FALSE(no_end.ok());
  EXPECT_THAT(Message(no_end.status()), HasSubstr("line 2 has no END"));

  auto mismatch = ParsePem("-----BEGIN A-----\nAQID\n-----END B-----\n");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(Message(mismatch.status()), HasSubstr("PEM line 3"));
  EXPECT_THAT(Message(mismatch.status()), HasSubstr("\"B\" does not match"));

  auto nested = ParsePem("-----BEGIN A-----\nAQID\n-----BEGIN A-----\n-----END A-----\n");
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(Message(nested.status()), HasSubstr("PEM line 3"));

  auto bad = ParsePem("\n\n-----BEGIN A-----\nAQ*D\n-----END A-----\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Message(bad.status()), HasSubstr("on line 3: body is not base64"));

  auto empty = ParsePem("-----BEGIN A-----\n-----END A-----\n");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(Message(empty.status()), HasSubstr("empty body"));

  auto header = ParsePem("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAQID\n-----END A-----\n");
  ASSERT_FALSE(header.ok());
  EXPECT_THAT(Message(header.status()), HasSubstr("PEM line 2: encapsulated header"));
}

TEST(NameTest, ParseAndFormat) {
  auto name = ParseDistinguishedName("C=US, O=SPIRE,  CN=agent0");
  ASSERT_TRUE(name.ok()) << name.status();
  DistinguishedName want = {{"C", "US"}, {"O", "SPIRE"}, {"CN", "agent0"}};
  EXPECT_EQ(*name, want);
  EXPECT_EQ(FormatDistinguishedName(*name), "CN=agent0,O=SPIRE,C=US");

  auto escaped = ParseDistinguishedName(R"(O=Acme\, Inc., CN=a+b)");
  ASSERT_TRUE(escaped.ok()) << escaped.status();
  ASSERT_EQ(escaped->size(), 2u);
  EXPECT_EQ((*escaped)[0].value, "Acme, Inc.");
  EXPECT_EQ(FormatDistinguishedName(*escaped), R"(CN=a\+b,O=Acme\, Inc.)");

  EXPECT_TRUE(ParseDistinguishedName("")->empty());
  EXPECT_TRUE(ParseDistinguishedName("   ")->empty());
  EXPECT_EQ(FormatDistinguishedName({}), "");
}

TEST(NameTest, ParseErrorsNameTheAttribute) {
  auto no_eq = ParseDistinguishedName("C=US, SPIRE");
  ASSERT_FALSE(no_eq.ok());
  EXPECT_THAT(Message(no_eq.status()), HasSubstr("attribute 2"));
  auto no_type = ParseDistinguishedName("=x");
  ASSERT_FALSE(no_type.ok());
  EXPECT_THAT(Message(no_type.status()), HasSubstr("empty type"));
  EXPECT_FALSE(ParseDistinguishedName("CN=x\\").ok());
  EXPECT_FALSE(ParseDistinguishedName("C\\N=x").ok());
}

}  // namespace
}  // namespace dstart::crypto
