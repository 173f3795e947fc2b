// JWT-SVID signing and validation (spec/spiffe.md §3).
#include "spiffe/jwt_svid.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/signature.h"
#include "test_pki.h"

namespace dstart::spiffe {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::TestNow;

std::string Message(const absl::Status& s) { return std::string(s.message()); }
TrustDomain Td(const std::string& name) { return TrustDomain::FromString(name).value(); }

int64_t Unix(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string B64(const std::string& s) { return common::Base64UrlEncode(common::AsBytes(s)); }

// Signs any header and payload with `key` as JWS would (ECDSA as raw r||s), so a test can
// break one rule while the signature stays valid.
std::string SignRaw(const json& header, const json& payload, const crypto::PrivateKey& key,
                    crypto::Hash hash = crypto::Hash::kSha256,
                    crypto::RsaPadding padding = crypto::RsaPadding::kPkcs1v15) {
  std::string input = B64(header.dump()) + "." + B64(payload.dump());
  auto sig = crypto::Sign(key, hash, common::AsBytes(input), padding).value();
  if (key.curve()) sig = crypto::EcdsaDerToRaw(sig, *key.curve()).value();
  return input + "." + common::Base64UrlEncode(sig);
}

class JwtSvidTest : public ::testing::Test {
 protected:
  JwtSvidTest() : key_(testing::NewKey()), bundle_(Td("example.org")) {
    EXPECT_TRUE(bundle_.AddJwtAuthority("k1", key_.Public()).ok());
    bundles_.Set(bundle_);
  }

  JwtSvidClaims Claims() const {
    return {.subject = SpiffeId::FromString("spiffe://example.org/service/core-data").value(),
            .audience = {"edgex"},
            .issued_at = TestNow(),
            .expiry = TestNow() + std::chrono::minutes(5)};
  }
  json Header() const { return {{"alg", "ES256"}, {"kid", "k1"}, {"typ", "JWT"}}; }
  json Payload() const {
    return {{"sub", "spiffe://example.org/service/core-data"},
            {"aud", {"edgex"}},
            {"exp", Unix(TestNow() + std::chrono::minutes(5))},
            {"iat", Unix(TestNow())}};
  }

  absl::Status Validate(const std::string& token, TimePoint now = TestNow(),
                        std::vector<std::string> aud = {"edgex"}) const {
    return ParseAndValidateJwtSvid(token, bundles_, aud, now).status();
  }

  crypto::PrivateKey key_;
  Bundle bundle_;
  BundleSet bundles_;
};

TEST_F(JwtSvidTest, SignAndValidate) {
  auto token = SignJwtSvid(Claims(), key_, "k1");
  ASSERT_TRUE(token.ok()) << token.status();
  auto svid = ParseAndValidateJwtSvid(*token, bundles_, {"other", "edgex"}, TestNow());
  ASSERT_TRUE(svid.ok()) << svid.status();
  EXPECT_EQ(svid->id.String(), "spiffe://example.org/service/core-data");
  EXPECT_EQ(svid->audience, std::vector<std::string>{"edgex"});
  EXPECT_EQ(svid->expiry, TestNow() + std::chrono::minutes(5));
  EXPECT_EQ(svid->issued_at, TestNow());
  EXPECT_EQ(svid->kid, "k1");
  EXPECT_EQ(svid->algorithm, JwtAlgorithm::kES256);
  EXPECT_EQ(svid->token, *token);
  EXPECT_EQ(json::parse(svid->claims_json)["sub"], "spiffe://example.org/service/core-data");
}

TEST_F(JwtSvidTest, TokenShape) {
  std::string token = SignJwtSvid(Claims(), key_, "k1").value();
  size_t d1 = token.find('.'), d2 = token.rfind('.');
  json header = json::parse(common::AsChars(common::Base64UrlDecode(token.substr(0, d1)).value()));
  EXPECT_EQ(header, json({{"alg", "ES256"}, {"kid", "k1"}, {"typ", "JWT"}}));
  json payload = json::parse(
      common::AsChars(common::Base64UrlDecode(token.substr(d1 + 1, d2 - d1 - 1)).value()));
  EXPECT_EQ(payload.size(), 4u);
  EXPECT_TRUE(payload["aud"].is_array());
  EXPECT_TRUE(payload["exp"].is_number_integer());
  EXPECT_TRUE(payload["iat"].is_number_integer());
  EXPECT_EQ(payload["exp"], Unix(TestNow()) + 300);
  // ES256 signatures are raw r||s: 64 bytes.
  EXPECT_EQ(common::Base64UrlDecode(token.substr(d2 + 1)).value().size(), 64u);
}

TEST_F(JwtSvidTest, AllNineAlgorithms) {
  crypto::PrivateKey rsa = testing::NewKey(crypto::KeyType::kRsa2048);
  crypto::PrivateKey p384 = testing::NewKey(crypto::KeyType::kEcP384);
  crypto::PrivateKey p521 = testing::NewKey(crypto::KeyType::kEcP521);
  ASSERT_TRUE(bundle_.AddJwtAuthority("rsa", rsa.Public()).ok());
  ASSERT_TRUE(bundle_.AddJwtAuthority("p384", p384.Public()).ok());
  ASSERT_TRUE(bundle_.AddJwtAuthority("p521", p521.Public()).ok());
  bundles_.Set(bundle_);
  struct Row {
    JwtAlgorithm alg;
    const crypto::PrivateKey* key;
    const char* kid;
  } rows[] = {
      {JwtAlgorithm::kES256, &key_, "k1"},   {JwtAlgorithm::kES384, &p384, "p384"},
      {JwtAlgorithm::kES512, &p521, "p521"}, {JwtAlgorithm::kRS256, &rsa, "rsa"},
      {JwtAlgorithm::kRS384, &rsa, "rsa"},   {JwtAlgorithm::kRS512, &rsa, "rsa"},
      {JwtAlgorithm::kPS256, &rsa, "rsa"},   {JwtAlgorithm::kPS384, &rsa, "rsa"},
      {JwtAlgorithm::kPS512, &rsa, "rsa"},
  };
  for (const auto& r : rows) {
    std::string name(JwtAlgorithmName(r.alg));
    EXPECT_EQ(ParseJwtAlgorithm(name).value(), r.alg);
    auto token = SignJwtSvid(Claims(), *r.key, r.kid, r.alg);
    ASSERT_TRUE(token.ok()) << name << ": " << token.status();
    auto svid = ParseAndValidateJwtSvid(*token, bundles_, {"edgex"}, TestNow());
    ASSERT_TRUE(svid.ok()) << name << ": " << svid.status();
    EXPECT_EQ(svid->algorithm, r.alg);
    // The same token with a flipped signature bit fails.
    std::string bad = *token;
    char& c = bad[bad.size() - 5];
    c = c == 'A' ? 'B' : 'A';
    EXPECT_THAT(Message(Validate(bad)), HasSubstr("signature verification failed")) << name;
  }
  EXPECT_EQ(DefaultJwtAlgorithm(key_), JwtAlgorithm::kES256);
  EXPECT_EQ(DefaultJwtAlgorithm(p384), JwtAlgorithm::kES384);
  EXPECT_EQ(DefaultJwtAlgorithm(p521), JwtAlgorithm::kES512);
  EXPECT_EQ(DefaultJwtAlgorithm(rsa), JwtAlgorithm::kRS256);
  // An algorithm that does not fit the key is refused at signing.
  EXPECT_THAT(Message(SignJwtSvid(Claims(), p384, "p384", JwtAlgorithm::kES256).status()),
              HasSubstr("algorithm ES256 does not fit the signing EC P-384 key"));
  EXPECT_THAT(Message(SignJwtSvid(Claims(), key_, "k1", JwtAlgorithm::kRS256).status()),
              HasSubstr("algorithm RS256 does not fit"));
}

TEST_F(JwtSvidTest, RefusesAlgNone) {
  json header = {{"alg", "none"}, {"kid", "k1"}, {"typ", "JWT"}};
  std::string token = B64(header.dump()) + "." + B64(Payload().dump()) + ".";
  EXPECT_THAT(Message(Validate(token)),
              HasSubstr("unsupported JWT-SVID signature algorithm \"none\""));
  EXPECT_THAT(Message(ParseInsecureJwtSvid(token, {"edgex"}, TestNow()).status()),
              HasSubstr("\"none\""));
}

TEST_F(JwtSvidTest, RefusesHs256) {
  // The classic confusion attack: HMAC keyed with the public key's bytes.
  json header = {{"alg", "HS256"}, {"kid", "k1"}, {"typ", "JWT"}};
  std::string input = B64(header.dump()) + "." + B64(Payload().dump());
  auto mac = crypto::HmacSha256(key_.Public().ToDer(), common::AsBytes(input));
  std::string token = input + "." + common::Base64UrlEncode(mac);
  EXPECT_THAT(Message(Validate(token)),
              HasSubstr("unsupported JWT-SVID signature algorithm \"HS256\""));
  for (const char* alg : {"HS384", "HS512", "EdDSA", "ES256K", "es256", ""}) {
    json h = {{"alg", alg}, {"kid", "k1"}};
    EXPECT_THAT(Message(Validate(B64(h.dump()) + "." + B64(Payload().dump()) + ".AAAA")),
                HasSubstr("unsupported JWT-SVID signature algorithm"))
        << alg;
  }
}

TEST_F(JwtSvidTest, KidRules) {
  json no_kid = {{"alg", "ES256"}, {"typ", "JWT"}};
  std::string token = SignRaw(no_kid, Payload(), key_);
  EXPECT_THAT(Message(Validate(token)), HasSubstr("JWT header \"kid\" is missing"));
  // Parsing without validation does not need it.
  EXPECT_TRUE(ParseInsecureJwtSvid(token, {"edgex"}, TestNow()).ok());

  json unknown = Header();
  unknown["kid"] = "k2";
  absl::Status st = Validate(SignRaw(unknown, Payload(), key_));
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(st), HasSubstr("JWT authority \"k2\" not found in the bundle of trust "
                                     "domain \"example.org\""));
  json numeric = Header();
  numeric["kid"] = 1;
  EXPECT_THAT(Message(Validate(SignRaw(numeric, Payload(), key_))),
              HasSubstr("\"kid\" must be a string"));
}

TEST_F(JwtSvidTest, RefusesExtraHeaders) {
  for (const char* member : {"cty", "jku", "x5c", "crit", "jwk", "zip", "private"}) {
    json header = Header();
    header[member] = "x";
    EXPECT_THAT(Message(Validate(SignRaw(header, Payload(), key_))),
                HasSubstr(fmt::format("JWT header member \"{}\" is not allowed", member)))
        << member;
  }
}

TEST_F(JwtSvidTest, TypRules) {
  json header = Header();
  header.erase("typ");
  EXPECT_TRUE(Validate(SignRaw(header, Payload(), key_)).ok());
  header["typ"] = "JOSE";
  EXPECT_TRUE(Validate(SignRaw(header, Payload(), key_)).ok());
  for (json typ : {json("jwt"), json("at+jwt"), json(1)}) {
    header["typ"] = typ;
    EXPECT_THAT(Message(Validate(SignRaw(header, Payload(), key_))),
                HasSubstr("\"typ\" must be \"JWT\" or \"JOSE\""));
  }
}

TEST_F(JwtSvidTest, Audience) {
  std::string token = SignJwtSvid(Claims(), key_, "k1").value();
  EXPECT_THAT(Message(Validate(token, TestNow(), {"other"})),
              HasSubstr("JWT audience [edgex] does not contain an expected audience (other)"));
  EXPECT_THAT(Message(Validate(token, TestNow(), {})),
              HasSubstr("an expected audience is required"));
  // A single-string aud is accepted.
  json payload = Payload();
  payload["aud"] = "edgex";
  EXPECT_TRUE(Validate(SignRaw(Header(), payload, key_)).ok());
  payload["aud"] = json::array();
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"aud\" is empty"));
  payload["aud"] = {"edgex", 5};
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("\"aud\" must hold only strings"));
  payload.erase("aud");
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"aud\" is missing"));
}

TEST_F(JwtSvidTest, ExpiryLeeway) {
  std::string token = SignJwtSvid(Claims(), key_, "k1").value();
  TimePoint exp = TestNow() + std::chrono::minutes(5);
  EXPECT_TRUE(Validate(token, exp).ok());
  EXPECT_TRUE(Validate(token, exp + std::chrono::seconds(30)).ok());
  EXPECT_TRUE(Validate(token, exp + std::chrono::seconds(60)).ok());
  absl::Status late = Validate(token, exp + std::chrono::seconds(61));
  EXPECT_THAT(Message(late), HasSubstr("JWT-SVID has expired: exp 2026-01-01T00:05:00Z is more "
                                       "than 60s before the current time 2026-01-01T00:06:01Z"));
  EXPECT_THAT(
      Message(ParseInsecureJwtSvid(token, {"edgex"}, exp + std::chrono::minutes(2)).status()),
      HasSubstr("has expired"));
}

TEST_F(JwtSvidTest, NotBeforeAndIssuedAtLeeway) {
  json payload = Payload();
  payload["nbf"] = Unix(TestNow()) + 60;
  EXPECT_TRUE(Validate(SignRaw(Header(), payload, key_)).ok());
  payload["nbf"] = Unix(TestNow()) + 61;
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT-SVID is not valid yet: nbf"));
  payload.erase("nbf");
  payload["iat"] = Unix(TestNow()) + 60;
  EXPECT_TRUE(Validate(SignRaw(Header(), payload, key_)).ok());
  payload["iat"] = Unix(TestNow()) + 61;
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT-SVID was issued in the future: iat"));
  payload.erase("iat");
  EXPECT_TRUE(Validate(SignRaw(Header(), payload, key_)).ok());  // iat is optional.
}

TEST_F(JwtSvidTest, RequiredClaims) {
  json payload = Payload();
  payload.erase("exp");
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"exp\" is missing"));
  payload["exp"] = "tomorrow";
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"exp\" must be a number (NumericDate), not string"));
  payload["exp"] = 1e300;
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"exp\" is out of range"));
  payload = Payload();
  payload.erase("sub");
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"sub\" is missing"));
  payload["sub"] = "spiffe://example.org/a/../b";
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"sub\": invalid SPIFFE ID"));
  payload["sub"] = 42;
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("JWT claim \"sub\" must be a string"));
}

TEST_F(JwtSvidTest, SubjectSelectsTheBundle) {
  // A token for another trust domain signed with example.org's key and kid.
  json payload = Payload();
  payload["sub"] = "spiffe://other.org/x";
  absl::Status st = Validate(SignRaw(Header(), payload, key_));
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(st), HasSubstr("no JWT bundle found for trust domain \"other.org\""));
  // other.org has a bundle with a different key under the same kid: the signature fails.
  Bundle other(Td("other.org"));
  ASSERT_TRUE(other.AddJwtAuthority("k1", testing::NewKey().Public()).ok());
  bundles_.Set(other);
  EXPECT_THAT(Message(Validate(SignRaw(Header(), payload, key_))),
              HasSubstr("signature verification failed with EC P-256 key \"k1\" of trust domain "
                        "\"other.org\""));
}

TEST_F(JwtSvidTest, TamperedPayloadAndSignature) {
  std::string token = SignJwtSvid(Claims(), key_, "k1").value();
  size_t d1 = token.find('.'), d2 = token.rfind('.');
  json payload = Payload();
  payload["sub"] = "spiffe://example.org/service/admin";
  std::string swapped = token.substr(0, d1) + "." + B64(payload.dump()) + token.substr(d2);
  EXPECT_THAT(Message(Validate(swapped)), HasSubstr("signature verification failed"));

  std::string sig_b64 = token.substr(d2 + 1);
  auto sig = common::Base64UrlDecode(sig_b64).value();
  sig[10] ^= 0x01;
  std::string flipped = token.substr(0, d2 + 1) + common::Base64UrlEncode(sig);
  EXPECT_THAT(Message(Validate(flipped)), HasSubstr("signature verification failed"));

  std::string empty_sig = token.substr(0, d2 + 1);
  EXPECT_THAT(Message(Validate(empty_sig)),
              HasSubstr("JWT signature is 0 bytes, ES256 needs 64 (raw r||s)"));
  // A DER signature (what OpenSSL gives) is not the JWS form.
  std::string input = token.substr(0, d2);
  auto der = crypto::Sign(key_, crypto::Hash::kSha256, common::AsBytes(input)).value();
  EXPECT_THAT(Message(Validate(input + "." + common::Base64UrlEncode(der))),
              HasSubstr("needs 64 (raw r||s)"));
}

TEST_F(JwtSvidTest, AlgorithmMustFitTheBundleKey) {
  crypto::PrivateKey rsa = testing::NewKey(crypto::KeyType::kRsa2048);
  json header = {{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}};  // k1 is an EC key.
  EXPECT_THAT(Message(Validate(SignRaw(header, Payload(), rsa))),
              HasSubstr("algorithm RS256 does not fit the bundle's \"k1\" EC P-256 key"));
  header["alg"] = "ES384";
  EXPECT_THAT(Message(Validate(SignRaw(header, Payload(), key_))),
              HasSubstr("algorithm ES384 does not fit"));
}

TEST_F(JwtSvidTest, Malformed) {
  EXPECT_THAT(Message(Validate("")), HasSubstr("token is empty"));
  EXPECT_THAT(Message(Validate("a.b")),
              HasSubstr("three dot-separated parts (compact JWS), found 2"));
  EXPECT_THAT(Message(Validate("a.b.c.d.e")), HasSubstr("found 5"));
  EXPECT_THAT(Message(Validate(R"({"payload":"x","signatures":[]})")),
              HasSubstr("not the JSON serialization"));
  EXPECT_THAT(Message(Validate("!!.b.c")), HasSubstr("JWT header is not base64url"));
  EXPECT_THAT(Message(Validate(B64("{") + ".b.c")), HasSubstr("JWT header is not valid JSON"));
  EXPECT_THAT(Message(Validate(B64("[1]") + ".b.c")),
              HasSubstr("JWT header must be a JSON object, not array"));
  EXPECT_THAT(Message(Validate(B64("{}") + ".b.c")), HasSubstr("\"alg\" is missing"));
  std::string header = B64(Header().dump());
  EXPECT_THAT(Message(Validate(header + "." + B64("nope") + ".c")),
              HasSubstr("JWT payload is not valid JSON"));
  EXPECT_THAT(Message(Validate(header + "." + B64(Payload().dump()) + ".a=")),
              HasSubstr("JWT signature is not base64url"));
}

TEST_F(JwtSvidTest, SigningRefusals) {
  JwtSvidClaims c = Claims();
  EXPECT_THAT(Message(SignJwtSvid(c, key_, "").status()), HasSubstr("kid is empty"));
  c.audience.clear();
  EXPECT_THAT(Message(SignJwtSvid(c, key_, "k1").status()),
              HasSubstr("audience must be specified"));
  c.audience = {"a", ""};
  EXPECT_THAT(Message(SignJwtSvid(c, key_, "k1").status()), HasSubstr("an audience is empty"));
  c = Claims();
  c.expiry = c.issued_at;
  EXPECT_THAT(Message(SignJwtSvid(c, key_, "k1").status()), HasSubstr("is not after iat"));
}

TEST_F(JwtSvidTest, ParseInsecure) {
  crypto::PrivateKey stranger = testing::NewKey();
  std::string token = SignJwtSvid(Claims(), stranger, "unknown").value();
  auto svid = ParseInsecureJwtSvid(token, {"edgex"}, TestNow());
  ASSERT_TRUE(svid.ok()) << svid.status();
  EXPECT_EQ(svid->kid, "unknown");
  EXPECT_TRUE(ParseInsecureJwtSvid(token, {}, TestNow()).ok());
  EXPECT_THAT(Message(ParseInsecureJwtSvid(token, {"x"}, TestNow()).status()),
              HasSubstr("does not contain an expected audience"));
  // The full validation refuses it.
  EXPECT_FALSE(Validate(token).ok());
}

}  // namespace
}  // namespace dstart::spiffe
