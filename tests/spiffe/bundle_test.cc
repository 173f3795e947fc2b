// Trust bundles: PEM, DER, SPIFFE bundle JSON and Workload API JWKS (spec/spiffe.md §4).
#include "spiffe/bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "support/process.h"
#include "test_pki.h"

namespace dstart::spiffe {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::KeyedCert;
using testing::MakeRootCa;

std::string Message(const absl::Status& s) { return std::string(s.message()); }
TrustDomain Td(const std::string& name) { return TrustDomain::FromString(name).value(); }

class BundleTest : public ::testing::Test {
 protected:
  BundleTest()
      : ec_ca_(MakeRootCa("example.org")),
        p384_ca_(MakeRootCa("example.org", crypto::KeyType::kEcP384)),
        rsa_ca_(MakeRootCa("example.org", crypto::KeyType::kRsa2048)),
        bundle_(Td("example.org")) {
    bundle_.AddX509Authority(ec_ca_.cert);
    bundle_.AddX509Authority(p384_ca_.cert);
    bundle_.AddX509Authority(rsa_ca_.cert);
    EXPECT_TRUE(bundle_.AddJwtAuthority("ec-key", testing::NewKey().Public()).ok());
    EXPECT_TRUE(
        bundle_.AddJwtAuthority("p521-key", testing::NewKey(crypto::KeyType::kEcP521).Public())
            .ok());
    EXPECT_TRUE(
        bundle_.AddJwtAuthority("rsa-key", testing::NewKey(crypto::KeyType::kRsa2048).Public())
            .ok());
    bundle_.set_sequence_number(7);
    bundle_.set_refresh_hint(std::chrono::seconds(300));
  }

  // The bundle's JSON with `edit` applied, parsed back.
  absl::StatusOr<Bundle> Edited(const std::function<void(json&)>& edit) const {
    json doc = json::parse(bundle_.ToJson());
    edit(doc);
    return Bundle::FromJson(Td("example.org"), doc.dump());
  }

  KeyedCert ec_ca_, p384_ca_, rsa_ca_;
  Bundle bundle_;
};

TEST_F(BundleTest, PemToJwksToPemIsByteIdentical) {
  std::string pem = bundle_.ToX509Pem();
  auto from_pem = Bundle::FromX509Pem(Td("example.org"), pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  ASSERT_EQ(from_pem->x509_authorities().size(), 3u);
  std::string jwks = from_pem->ToJson();
  auto from_json = Bundle::FromJson(Td("example.org"), jwks);
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->ToX509Pem(), pem);
  // And the JSON itself is stable.
  EXPECT_EQ(from_json->ToJson(), jwks);
}

TEST_F(BundleTest, JsonRoundTripKeepsEverything) {
  auto back = Bundle::FromJson(Td("example.org"), bundle_.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == bundle_);
  EXPECT_EQ(back->sequence_number(), 7u);
  EXPECT_EQ(back->refresh_hint(), std::chrono::seconds(300));
  EXPECT_EQ(back->jwt_authorities().size(), 3u);
  ASSERT_NE(back->FindJwtAuthority("rsa-key"), nullptr);
  EXPECT_TRUE(*back->FindJwtAuthority("rsa-key") == *bundle_.FindJwtAuthority("rsa-key"));
  EXPECT_EQ(back->FindJwtAuthority("nope"), nullptr);
}

TEST_F(BundleTest, JsonShape) {
  json doc = json::parse(bundle_.ToJson());
  EXPECT_EQ(doc["spiffe_sequence"], 7);
  EXPECT_EQ(doc["spiffe_refresh_hint"], 300);
  ASSERT_EQ(doc["keys"].size(), 6u);
  const json& x509 = doc["keys"][0];
  EXPECT_EQ(x509["use"], "x509-svid");
  EXPECT_EQ(x509["kty"], "EC");
  EXPECT_EQ(x509["crv"], "P-256");
  EXPECT_FALSE(x509.contains("kid"));  // x509-svid entries MUST NOT set kid (§4.1).
  ASSERT_EQ(x509["x5c"].size(), 1u);
  // x5c is standard base64 of the DER.
  EXPECT_EQ(common::Base64Decode(x509["x5c"][0].get<std::string>()).value(), ec_ca_.cert.ToDer());
  EXPECT_EQ(doc["keys"][2]["kty"], "RSA");
  EXPECT_EQ(doc["keys"][2]["e"], "AQAB");
  const json& jwt = doc["keys"][3];
  EXPECT_EQ(jwt["use"], "jwt-svid");
  EXPECT_EQ(jwt["kid"], "ec-key");
  EXPECT_EQ(doc["keys"][4]["crv"], "P-521");
  EXPECT_EQ(common::Base64UrlDecode(doc["keys"][4]["x"].get<std::string>()).value().size(), 66u);

  std::string pretty = bundle_.ToJson(4);
  EXPECT_THAT(pretty, HasSubstr("\n    \"keys\": ["));
  EXPECT_TRUE(json::parse(pretty) == doc);

  Bundle bare(Td("example.org"));
  EXPECT_EQ(bare.ToJson(), R"({"keys":[]})");
}

TEST_F(BundleTest, EcCoordinatesKeepLeadingZeros) {
  // About one P-256 key in 256 has an x coordinate with a leading zero byte.
  std::optional<crypto::PublicKey> found;
  for (int i = 0; i < 5000 && !found; ++i) {
    crypto::PublicKey pub = testing::NewKey().Public();
    if (pub.EcCoordinates().value().x[0] == 0) found = pub;
  }
  ASSERT_TRUE(found) << "no key with a leading zero in x";
  Bundle b(Td("example.org"));
  ASSERT_TRUE(b.AddJwtAuthority("z", *found).ok());
  json doc = json::parse(b.ToJson());
  std::string x = doc["keys"][0]["x"];
  auto x_bytes = common::Base64UrlDecode(x).value();
  ASSERT_EQ(x_bytes.size(), 32u);
  EXPECT_EQ(x_bytes[0], 0);
  auto back = Bundle::FromJson(Td("example.org"), doc.dump());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back->FindJwtAuthority("z") == *found);

  // The short form (leading zero dropped) is refused, naming the member.
  doc["keys"][0]["x"] = common::Base64UrlEncode(std::span(x_bytes).subspan(1));
  auto short_x = Bundle::FromJson(Td("example.org"), doc.dump());
  EXPECT_THAT(Message(short_x.status()),
              HasSubstr("keys[0].x: EC coordinate is 31 bytes, P-256 needs exactly 32"));
}

TEST_F(BundleTest, OpensslReadsPem) {
  dstart::testing::TempDir dir;
  dstart::testing::WriteFile(dir / "bundle.pem", bundle_.ToX509Pem());
  auto p7 = dstart::testing::RunCommand({"openssl", "crl2pkcs7", "-nocrl", "-certfile",
                                         (dir / "bundle.pem").string(), "-out",
                                         (dir / "bundle.p7b").string()});
  ASSERT_EQ(p7.exit_code, 0) << p7.err;
  auto certs = dstart::testing::RunCommand(
      {"openssl", "pkcs7", "-in", (dir / "bundle.p7b").string(), "-print_certs", "-noout"});
  ASSERT_EQ(certs.exit_code, 0) << certs.err;
  size_t subjects = 0;
  for (size_t pos = 0; (pos = certs.out.find("subject=", pos)) != std::string::npos; ++pos) {
    ++subjects;
  }
  EXPECT_EQ(subjects, 3u) << certs.out;
  auto x509 = dstart::testing::RunCommand({"openssl", "x509", "-in", (dir / "bundle.pem").string(),
                                           "-noout", "-ext", "subjectAltName"});
  ASSERT_EQ(x509.exit_code, 0) << x509.err;
  EXPECT_THAT(x509.out, HasSubstr("URI:spiffe://example.org"));
}

// A bundle file written by the openssl command line (two CAs, one EC and one RSA) survives
// PEM -> SPIFFE bundle JSON -> PEM byte for byte.
TEST_F(BundleTest, OpensslPemRoundTripsThroughJson) {
  dstart::testing::TempDir dir;
  std::string pem;
  for (const char* alg : {"ec", "rsa"}) {
    std::vector<std::string> argv = {"openssl", "req",
                                     "-x509",   "-nodes",
                                     "-subj",   std::string("/O=SPIFFE/CN=") + alg,
                                     "-days",   "1",
                                     "-addext", "subjectAltName=URI:spiffe://example.org",
                                     "-keyout", (dir / "k.pem").string(),
                                     "-out",    (dir / "c.pem").string()};
    if (std::string(alg) == "ec") {
      argv.insert(argv.begin() + 3, {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"});
    } else {
      argv.insert(argv.begin() + 3, {"-newkey", "rsa:2048"});
    }
    auto r = dstart::testing::RunCommand(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    pem += dstart::testing::ReadFile(dir / "c.pem");
  }
  auto from_pem = Bundle::FromX509Pem(Td("example.org"), pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  ASSERT_EQ(from_pem->x509_authorities().size(), 2u);
  auto from_json = Bundle::FromJson(Td("example.org"), from_pem->ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->ToX509Pem(), pem);
}

TEST_F(BundleTest, DerForm) {
  auto der = bundle_.ToX509Der();
  auto back = Bundle::FromX509Der(Td("example.org"), der);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->x509_authorities(), bundle_.x509_authorities());
  auto empty = Bundle::FromX509Der(Td("example.org"), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->x509_authorities().empty());
  std::vector<uint8_t> broken(der.begin(), der.end() - 1);
  EXPECT_THAT(Message(Bundle::FromX509Der(Td("example.org"), broken).status()),
              HasSubstr("X.509 bundle of \"example.org\""));
  EXPECT_THAT(Message(Bundle::FromX509Pem(Td("example.org"), "hello").status()),
              HasSubstr("X.509 bundle of \"example.org\""));
}

TEST_F(BundleTest, WorkloadApiJwks) {
  json doc = json::parse(bundle_.ToJwks());
  ASSERT_EQ(doc.size(), 1u);  // Only "keys": no spiffe_* members.
  ASSERT_EQ(doc["keys"].size(), 3u);
  for (const auto& key : doc["keys"]) {
    EXPECT_TRUE(key.contains("kid"));
    EXPECT_FALSE(key.contains("use"));
    EXPECT_FALSE(key.contains("x5c"));
  }
  auto back = Bundle::FromJwks(Td("example.org"), bundle_.ToJwks());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->jwt_authorities().size(), 3u);
  EXPECT_TRUE(back->x509_authorities().empty());

  doc["keys"][0].erase("kid");
  EXPECT_THAT(Message(Bundle::FromJwks(Td("example.org"), doc.dump()).status()),
              HasSubstr("JWT bundle: keys[0]: \"kid\" is missing"));
  doc = json::parse(bundle_.ToJwks());
  doc["keys"][1]["use"] = "x509-svid";
  EXPECT_THAT(Message(Bundle::FromJwks(Td("example.org"), doc.dump()).status()),
              HasSubstr("keys[1].use: a JWT bundle holds only jwt-svid keys"));
  doc["keys"][1]["use"] = "jwt-svid";
  EXPECT_TRUE(Bundle::FromJwks(Td("example.org"), doc.dump()).ok());
}

TEST_F(BundleTest, IgnoredEntries) {
  auto b = Edited([](json& doc) {
    json no_use = doc["keys"][3];
    no_use.erase("use");
    no_use["kid"] = "no-use";
    json wit = doc["keys"][3];
    wit["use"] = "wit-svid";
    wit["kid"] = "wit";
    json okp = {{"use", "jwt-svid"},
                {"kid", "ed"},
                {"kty", "OKP"},
                {"crv", "Ed25519"},
                {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
    doc["keys"].push_back(no_use);
    doc["keys"].push_back(wit);
    doc["keys"].push_back(okp);
    doc["other_member"] = true;
  });
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->jwt_authorities().size(), 3u);
  EXPECT_EQ(b->FindJwtAuthority("no-use"), nullptr);
  EXPECT_EQ(b->FindJwtAuthority("wit"), nullptr);
  EXPECT_EQ(b->FindJwtAuthority("ed"), nullptr);
}

TEST_F(BundleTest, EmptyKeysIsAValidBundle) {
  auto b = Bundle::FromJson(Td("example.org"), R"({"keys":[],"spiffe_sequence":1})");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(b->empty());
  EXPECT_EQ(b->sequence_number(), 1u);
  EXPECT_EQ(b->refresh_hint(), std::nullopt);
}

struct BadJsonCase {
  const char* name;
  std::function<void(json&)> edit;
  const char* error;
};

TEST_F(BundleTest, MalformedJsonNamesTheField) {
  std::string bad_cert = common::Base64Encode(common::AsBytes("not a certificate"));
  BadJsonCase cases[] = {
      {"keys missing", [](json& d) { d.erase("keys"); }, "SPIFFE bundle: \"keys\" is missing"},
      {"keys not array", [](json& d) { d["keys"] = json::object(); },
       "\"keys\" must be an array, not object"},
      {"entry not object", [](json& d) { d["keys"][0] = 5; }, "keys[0]: must be a JSON object"},
      {"kty missing", [](json& d) { d["keys"][1].erase("kty"); }, "keys[1]: \"kty\" is missing"},
      {"kty not string", [](json& d) { d["keys"][1]["kty"] = 1; },
       "keys[1].kty: must be a string, not number"},
      {"use not string", [](json& d) { d["keys"][1]["use"] = 1; }, "keys[1].use: must be a string"},
      {"x5c missing", [](json& d) { d["keys"][0].erase("x5c"); }, "keys[0]: \"x5c\" is missing"},
      {"x5c two", [](json& d) { d["keys"][0]["x5c"].push_back(d["keys"][1]["x5c"][0]); },
       "keys[0].x5c: must be an array of exactly one certificate, got 2 elements"},
      {"x5c empty", [](json& d) { d["keys"][0]["x5c"] = json::array(); }, "got 0 elements"},
      {"x5c not base64", [](json& d) { d["keys"][0]["x5c"][0] = "!!!"; },
       "keys[0].x5c[0]: not standard base64"},
      {"x5c not cert", [&](json& d) { d["keys"][0]["x5c"][0] = bad_cert; }, "keys[0].x5c[0]: "},
      {"x5c key mismatch",
       [](json& d) {
         d["keys"][0]["x"] = d["keys"][3]["x"];
         d["keys"][0]["y"] = d["keys"][3]["y"];
       },
       "keys[0]: the key members do not match the public key of the certificate in x5c"},
      {"kid missing", [](json& d) { d["keys"][3].erase("kid"); }, "keys[3]: \"kid\" is missing"},
      {"kid empty", [](json& d) { d["keys"][3]["kid"] = ""; }, "keys[3].kid: is empty"},
      {"kid duplicate", [](json& d) { d["keys"][4]["kid"] = "ec-key"; },
       "keys[4].kid: duplicate key ID \"ec-key\""},
      {"crv unknown", [](json& d) { d["keys"][3]["crv"] = "P-192"; },
       "keys[3].crv: unsupported curve \"P-192\""},
      {"crv missing", [](json& d) { d["keys"][3].erase("crv"); }, "keys[3]: \"crv\" is missing"},
      {"x missing", [](json& d) { d["keys"][3].erase("x"); }, "keys[3]: \"x\" is missing"},
      {"y not base64url", [](json& d) { d["keys"][3]["y"] = "a+b/"; }, "keys[3].y: not base64url"},
      {"y padded", [](json& d) { d["keys"][3]["y"] = d["keys"][3]["y"].get<std::string>() + "="; },
       "keys[3].y: not base64url"},
      {"off curve", [](json& d) { d["keys"][3]["y"] = d["keys"][3]["x"]; }, "keys[3]: "},
      {"n missing", [](json& d) { d["keys"][5].erase("n"); }, "keys[5]: \"n\" is missing"},
      {"e empty", [](json& d) { d["keys"][5]["e"] = ""; }, "keys[5].e: is empty"},
      {"sequence negative", [](json& d) { d["spiffe_sequence"] = -1; },
       "\"spiffe_sequence\" must be a non-negative integer, not -1"},
      {"sequence string", [](json& d) { d["spiffe_sequence"] = "7"; },
       "\"spiffe_sequence\" must be a non-negative integer, not string"},
      {"hint float", [](json& d) { d["spiffe_refresh_hint"] = 1.5; },
       "\"spiffe_refresh_hint\" must be a non-negative integer, not 1.5"},
  };
  for (const auto& c : cases) {
    auto b = Edited(c.edit);
    ASSERT_FALSE(b.ok()) << c.name;
    EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(Message(b.status()), HasSubstr(c.error)) << c.name;
  }
  EXPECT_THAT(Message(Bundle::FromJson(Td("example.org"), "{\"keys\":[").status()),
              HasSubstr("SPIFFE bundle is not valid JSON"));
  EXPECT_THAT(Message(Bundle::FromJson(Td("example.org"), "[]").status()),
              HasSubstr("SPIFFE bundle: must be a JSON object, not array"));
  EXPECT_THAT(Message(Bundle::FromJson(Td("example.org"), "").status()),
              HasSubstr("not valid JSON"));
}

// An x509-svid entry whose certificate carries a key dstart cannot use (Ed25519) is refused by
// name rather than kept as an authority that could not be written back as a JWK.
TEST_F(BundleTest, RefusesUnsupportedCertificateKey) {
  dstart::testing::TempDir dir;
  auto r = dstart::testing::RunCommand({"openssl", "req", "-x509", "-newkey", "ed25519", "-nodes",
                                        "-subj", "/CN=ed", "-keyout", (dir / "k.pem").string(),
                                        "-out", (dir / "c.pem").string(), "-days", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ed = crypto::Certificate::FromPem(dstart::testing::ReadFile(dir / "c.pem"));
  ASSERT_TRUE(ed.ok()) << ed.status();
  json doc = {
      {"keys",
       {{{"use", "x509-svid"}, {"kty", "OKP"}, {"x5c", {common::Base64Encode(ed->ToDer())}}}}}};
  auto b = Bundle::FromJson(Td("example.org"), doc.dump());
  EXPECT_THAT(Message(b.status()), HasSubstr("keys[0].x5c[0]: unsupported certificate key"));
}

TEST_F(BundleTest, AuthorityEditing) {
  Bundle b(Td("example.org"));
  b.AddX509Authority(ec_ca_.cert);
  b.AddX509Authority(ec_ca_.cert);
  EXPECT_EQ(b.x509_authorities().size(), 1u);
  EXPECT_TRUE(b.HasX509Authority(ec_ca_.cert));
  EXPECT_FALSE(b.HasX509Authority(rsa_ca_.cert));
  b.SetX509Authorities({rsa_ca_.cert, rsa_ca_.cert, p384_ca_.cert});
  EXPECT_EQ(b.x509_authorities().size(), 2u);
  EXPECT_THAT(Message(b.AddJwtAuthority("", testing::NewKey().Public())),
              HasSubstr("key ID cannot be empty"));
  ASSERT_TRUE(b.AddJwtAuthority("k", testing::NewKey().Public()).ok());
  b.RemoveJwtAuthority("k");
  EXPECT_EQ(b.FindJwtAuthority("k"), nullptr);
  EXPECT_FALSE(b == bundle_);
}

TEST(BundleSetTest, Lookups) {
  BundleSet set;
  EXPECT_TRUE(set.empty());
  Bundle a(Td("a.org"));
  a.set_sequence_number(1);
  set.Set(a);
  set.Set(Bundle(Td("b.org")));
  EXPECT_EQ(set.size(), 2u);
  ASSERT_NE(set.Find(Td("a.org")), nullptr);
  EXPECT_EQ(set.Find(Td("a.org"))->sequence_number(), 1u);
  a.set_sequence_number(2);
  set.Set(a);  // Replaces.
  EXPECT_EQ(set.Get(Td("a.org")).value()->sequence_number(), 2u);
  EXPECT_EQ(set.Find(Td("c.org")), nullptr);
  auto missing = set.Get(Td("c.org"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(missing.status()), HasSubstr("no bundle for trust domain \"c.org\""));
  set.Remove(Td("a.org"));
  EXPECT_EQ(set.size(), 1u);
}

}  // namespace
}  // namespace dstart::spiffe
