// X.509-SVID parsing and verification (spec/spiffe.md §2.4, §2.6), on real certificates.
#include "spiffe/x509_svid.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.h"
#include "test_pki.h"

namespace dstart::spiffe {
namespace {

using ::testing::HasSubstr;
using testing::KeyedCert;
using testing::MakeIntermediateCa;
using testing::MakeLeaf;
using testing::MakeRootCa;
using testing::TestNow;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TrustDomain Td(const std::string& name) { return TrustDomain::FromString(name).value(); }

class X509SvidTest : public ::testing::Test {
 protected:
  X509SvidTest() : ca_(MakeRootCa("example.org")), bundle_(Td("example.org")) {
    bundle_.AddX509Authority(ca_.cert);
    bundles_.Set(bundle_);
  }

  // Verifies a one-certificate chain at TestNow().
  absl::Status VerifyLeaf(const crypto::Certificate& leaf, TimePoint now = TestNow()) const {
    std::vector<crypto::Certificate> chain{leaf};
    return VerifyX509SvidChain(chain, bundles_, now).status();
  }

  KeyedCert ca_;
  Bundle bundle_;
  BundleSet bundles_;
};

TEST_F(X509SvidTest, GoodLeafVerifies) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/service/core-data");
  std::vector<crypto::Certificate> chain{leaf.cert};
  auto id = VerifyX509SvidChain(chain, bundles_, TestNow());
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->String(), "spiffe://example.org/service/core-data");
  EXPECT_TRUE(VerifyX509SvidChain(chain, bundle_, TestNow()).ok());

  auto svid = X509Svid::FromParts(chain, leaf.key);
  ASSERT_TRUE(svid.ok()) << svid.status();
  EXPECT_EQ(svid->id().String(), "spiffe://example.org/service/core-data");
  EXPECT_EQ(svid->expires_at(), leaf.cert.NotAfter());
  EXPECT_TRUE(svid->Verify(bundles_, TestNow()).ok());
  EXPECT_TRUE(svid->Verify(bundle_, TestNow()).ok());
}

TEST_F(X509SvidTest, RefusesCaLeaf) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a",
                            [](crypto::CertificateTemplate& t) { t.is_ca = true; });
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)), HasSubstr("must not have CA flag set to true"));
  EXPECT_THAT(Message(X509Svid::FromParts({leaf.cert}, leaf.key).status()), HasSubstr("CA flag"));
}

TEST_F(X509SvidTest, RefusesKeyCertSign) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.key_usage.key_cert_sign = true;
  });
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)), HasSubstr("must not have 'keyCertSign'"));
}

TEST_F(X509SvidTest, RefusesCrlSign) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a",
                            [](crypto::CertificateTemplate& t) { t.key_usage.crl_sign = true; });
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)), HasSubstr("must not have 'cRLSign'"));
}

TEST_F(X509SvidTest, RequiresDigitalSignature) {
  KeyedCert no_ds = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.key_usage = crypto::KeyUsage{.key_agreement = true};
  });
  EXPECT_THAT(Message(VerifyLeaf(no_ds.cert)), HasSubstr("must have 'digitalSignature'"));
  KeyedCert no_ku = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.key_usage = crypto::KeyUsage{};
  });
  EXPECT_THAT(Message(VerifyLeaf(no_ku.cert)), HasSubstr("no key usage extension"));
}

TEST_F(X509SvidTest, RefusesZeroUriSans) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.uri_sans.clear();
    t.dns_sans = {"a.example.org"};
  });
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)), HasSubstr("certificate contains no URI SAN"));
}

TEST_F(X509SvidTest, RefusesTwoUriSans) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.uri_sans.push_back("spiffe://example.org/b");
  });
  EXPECT_THAT(
      Message(VerifyLeaf(leaf.cert)),
      HasSubstr("more than one URI SAN (2: spiffe://example.org/a, spiffe://example.org/b)"));
}

TEST_F(X509SvidTest, RefusesRootPath) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org");
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)),
              HasSubstr("SPIFFE ID \"spiffe://example.org\" has no path"));
}

TEST_F(X509SvidTest, RefusesInvalidUri) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a", [](crypto::CertificateTemplate& t) {
    t.uri_sans = {"https://example.org/a"};
  });
  EXPECT_THAT(Message(VerifyLeaf(leaf.cert)), HasSubstr("scheme is missing or invalid"));
}

TEST_F(X509SvidTest, RefusesExpiredAndNotYetValid) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");  // TestNow()-10s .. TestNow()+1h
  EXPECT_TRUE(VerifyLeaf(leaf.cert, TestNow() + std::chrono::minutes(59)).ok());
  absl::Status expired = VerifyLeaf(leaf.cert, TestNow() + std::chrono::hours(2));
  EXPECT_EQ(expired.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(expired),
              HasSubstr("has expired: notAfter 2026-01-01T01:00:00Z is before the current time "
                        "2026-01-01T02:00:00Z"));
  absl::Status early = VerifyLeaf(leaf.cert, TestNow() - std::chrono::minutes(1));
  EXPECT_THAT(Message(early), HasSubstr("is not yet valid: notBefore 2025-12-31T23:59:50Z"));
}

TEST_F(X509SvidTest, RefusesChainToAnotherTrustDomainsBundle) {
  KeyedCert other_ca = MakeRootCa("other.org");
  Bundle other(Td("other.org"));
  other.AddX509Authority(other_ca.cert);
  bundles_.Set(other);

  // A leaf claiming example.org, signed by other.org's CA: other.org's bundle is never used.
  KeyedCert forged = MakeLeaf(other_ca, "spiffe://example.org/a");
  absl::Status st = VerifyLeaf(forged.cert);
  EXPECT_THAT(Message(st), HasSubstr("does not chain to the bundle of trust domain "
                                     "\"example.org\""));
  // The same leaf against other.org's bundle directly: refused for the trust-domain mismatch.
  std::vector<crypto::Certificate> chain{forged.cert};
  EXPECT_THAT(Message(VerifyX509SvidChain(chain, other, TestNow()).status()),
              HasSubstr("belongs to trust domain \"example.org\", not to the bundle's trust "
                        "domain \"other.org\""));
  // A genuine other.org leaf verifies with the set.
  KeyedCert good = MakeLeaf(other_ca, "spiffe://other.org/b");
  EXPECT_TRUE(VerifyLeaf(good.cert).ok()) << VerifyLeaf(good.cert);
}

TEST_F(X509SvidTest, RefusesUnknownTrustDomain) {
  KeyedCert stranger_ca = MakeRootCa("stranger.org");
  KeyedCert leaf = MakeLeaf(stranger_ca, "spiffe://stranger.org/a");
  absl::Status st = VerifyLeaf(leaf.cert);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(st), HasSubstr("no X.509 bundle found for trust domain \"stranger.org\""));
}

TEST_F(X509SvidTest, RefusesEmptyBundle) {
  Bundle empty(Td("example.org"));
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");
  std::vector<crypto::Certificate> chain{leaf.cert};
  EXPECT_THAT(Message(VerifyX509SvidChain(chain, empty, TestNow()).status()),
              HasSubstr("has no X.509 authorities"));
}

TEST_F(X509SvidTest, IntermediateChain) {
  KeyedCert intermediate = MakeIntermediateCa(ca_, "example.org");
  KeyedCert leaf = MakeLeaf(intermediate, "spiffe://example.org/a");
  std::vector<crypto::Certificate> chain{leaf.cert, intermediate.cert};
  EXPECT_TRUE(VerifyX509SvidChain(chain, bundles_, TestNow()).ok());
  auto svid = X509Svid::FromParts(chain, leaf.key);
  ASSERT_TRUE(svid.ok()) << svid.status();

  // Without the intermediate, the leaf does not chain.
  std::vector<crypto::Certificate> short_chain{leaf.cert};
  EXPECT_THAT(Message(VerifyX509SvidChain(short_chain, bundles_, TestNow()).status()),
              HasSubstr("does not chain"));
}

TEST_F(X509SvidTest, RefusesNonCaAfterLeaf) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");
  KeyedCert other = MakeLeaf(ca_, "spiffe://example.org/b");
  auto svid = X509Svid::FromParts({leaf.cert, other.cert}, leaf.key);
  EXPECT_THAT(Message(svid.status()), HasSubstr("certificate 1 of the chain"));
  EXPECT_THAT(Message(svid.status()), HasSubstr("is not a CA"));
}

TEST_F(X509SvidTest, RefusesMismatchedKey) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");
  auto svid = X509Svid::FromParts({leaf.cert}, testing::NewKey());
  EXPECT_THAT(Message(svid.status()), HasSubstr("leaf certificate does not match private key"));
  EXPECT_TRUE(CheckKeyMatchesCertificate(leaf.key, leaf.cert).ok());
}

TEST_F(X509SvidTest, RawAndPemRoundTrip) {
  KeyedCert intermediate = MakeIntermediateCa(ca_, "example.org");
  KeyedCert leaf = MakeLeaf(intermediate, "spiffe://example.org/a");
  auto svid = X509Svid::FromParts({leaf.cert, intermediate.cert}, leaf.key).value();

  auto raw = X509Svid::ParseRaw(svid.CertificatesDer(), svid.KeyPkcs8Der());
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->id(), svid.id());
  ASSERT_EQ(raw->certificates().size(), 2u);
  EXPECT_EQ(raw->certificates()[1], intermediate.cert);

  auto pem = X509Svid::Parse(svid.CertificatesPem(), svid.KeyPkcs8Pem());
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(pem->CertificatesDer(), svid.CertificatesDer());
  EXPECT_EQ(pem->KeyPkcs8Der(), svid.KeyPkcs8Der());
}

TEST_F(X509SvidTest, ParseRawErrors) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");
  auto der = leaf.cert.ToDer();
  auto key = leaf.key.ToPkcs8Der();
  EXPECT_THAT(Message(X509Svid::ParseRaw({}, key).status()), HasSubstr("certificates are empty"));
  EXPECT_THAT(Message(X509Svid::ParseRaw(der, {}).status()), HasSubstr("private key is empty"));
  std::vector<uint8_t> truncated(der.begin(), der.end() - 5);
  EXPECT_THAT(Message(X509Svid::ParseRaw(truncated, key).status()),
              HasSubstr("cannot parse X.509-SVID certificates"));
  std::vector<uint8_t> bad_key(key.begin(), key.end() - 3);
  EXPECT_FALSE(X509Svid::ParseRaw(der, bad_key).ok());
}

// The Workload API key is PKCS#8; a SEC1 key (what i2d_PrivateKey gives) is refused by name.
TEST_F(X509SvidTest, ParseRawRefusesSec1Key) {
  KeyedCert leaf = MakeLeaf(ca_, "spiffe://example.org/a");
  dstart::testing::TempDir dir;
  dstart::testing::WriteFile(dir / "key.pem", leaf.key.ToPkcs8Pem());
  auto r = dstart::testing::RunCommand({"openssl", "ec", "-in", (dir / "key.pem").string(),
                                        "-outform", "DER", "-out", (dir / "sec1.der").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string sec1 = dstart::testing::ReadFile(dir / "sec1.der");
  std::vector<uint8_t> sec1_der(sec1.begin(), sec1.end());
  auto svid = X509Svid::ParseRaw(leaf.cert.ToDer(), sec1_der);
  EXPECT_THAT(Message(svid.status()), HasSubstr("not a PKCS#8 PrivateKeyInfo"));
}

// A leaf built here passes OpenSSL's own verifier against the CA written as a bundle PEM.
TEST_F(X509SvidTest, OpensslVerifiesLeaf) {
  crypto::PrivateKey leaf_key = testing::NewKey();
  // The CA of the fixture starts at TestNow(); make one valid now for OpenSSL's clock.
  crypto::PrivateKey ca_key = testing::NewKey();
  auto ca_tmpl = crypto::RootCaTemplate({{"CN", "now root"}}, "spiffe://example.org",
                                        std::chrono::system_clock::now(), std::chrono::hours(2));
  auto ca_cert = crypto::SelfSignCertificate(ca_tmpl, ca_key).value();
  auto leaf_tmpl = crypto::X509SvidTemplate(
      "spiffe://example.org/a", {}, std::chrono::system_clock::now(), std::chrono::hours(1));
  auto now_leaf = crypto::IssueCertificate(leaf_tmpl, leaf_key.Public(), ca_cert, ca_key).value();
  Bundle bundle(Td("example.org"));
  bundle.AddX509Authority(ca_cert);

  dstart::testing::TempDir dir;
  dstart::testing::WriteFile(dir / "bundle.pem", bundle.ToX509Pem());
  auto svid = X509Svid::FromParts({now_leaf}, leaf_key).value();
  dstart::testing::WriteFile(dir / "svid.pem", svid.CertificatesPem());
  auto r = dstart::testing::RunCommand(
      {"openssl", "verify", "-CAfile", (dir / "bundle.pem").string(), (dir / "svid.pem").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(svid.Verify(bundle, std::chrono::system_clock::now()).ok());
}

}  // namespace
}  // namespace dstart::spiffe
