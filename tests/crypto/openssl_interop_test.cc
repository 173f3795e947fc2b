// Interoperability with OpenSSL's command line: what dstart writes, `openssl` reads and accepts;
// what `openssl` writes, dstart reads.
#include <algorithm>

#include "common/encoding.h"
#include "crypto/cert_builder.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/signature.h"
#include "crypto/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"

namespace dstart::crypto {
namespace {

using std::chrono::hours;
using std::chrono::system_clock;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kTd[] = "spiffe://edgexfoundry.org";
constexpr char kId[] = "spiffe://edgexfoundry.org/service/core-keeper";

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

testing::CommandResult OpenSsl(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), "openssl");
  return RunCommand(args, {}, input);
}

struct Chain {
  PrivateKey root_key = *PrivateKey::Generate(KeyType::kEcP384);
  Certificate root = *SelfSignCertificate(
      RootCaTemplate({{"C", "US"}, {"O", "SPIFFE"}}, kTd, system_clock::now(), hours(24)), root_key);
  PrivateKey inter_key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate inter = *IssueCertificate(
      IntermediateCaTemplate({{"C", "US"}, {"O", "SPIFFE"}, {"CN", "signing"}}, kTd,
                             system_clock::now(), hours(12)),
      inter_key.Public(), root, root_key);
  PrivateKey leaf_key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate leaf = *IssueCertificate(X509SvidTemplate(kId, {}, system_clock::now(), hours(1)),
                                       leaf_key.Public(), inter, inter_key);
};

TEST(OpenSslInteropTest, ChainBuiltHerePassesOpenSslVerify) {
  TempDir dir;
  Chain c;
  WriteFile(dir / "root.pem", c.root.ToPem());
  WriteFile(dir / "inter.pem", c.inter.ToPem());
  WriteFile(dir / "leaf.pem", c.leaf.ToPem());
  for (std::vector<std::string> extra : {std::vector<std::string>{},
                                         {"-x509_strict"},
                                         {"-purpose", "sslclient"},
                                         {"-purpose", "sslserver"}}) {
    std::vector<std::string> args = {"verify", "-CAfile", dir / "root.pem", "-untrusted",
                                     dir / "inter.pem"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(dir / "leaf.pem");
    auto r = OpenSsl(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr("leaf.pem: OK"));
  }
  // And refuses it without the intermediate, as dstart's verifier does.
  auto r = OpenSsl({"verify", "-CAfile", dir / "root.pem", dir / "leaf.pem"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(VerifyCertificateChain(c.leaf, {}, {c.root}).ok());

  // OpenSSL reads the leaf's extensions as built.
  auto text = OpenSsl({"x509", "-in", dir / "leaf.pem", "-noout", "-text"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("URI:" + std::string(kId)));
  EXPECT_THAT(text.out, HasSubstr("X509v3 Key Usage: critical"));
  EXPECT_THAT(text.out, HasSubstr("Digital Signature, Key Encipherment, Key Agreement"));
  EXPECT_THAT(text.out, HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
  EXPECT_THAT(text.out, HasSubstr("CA:FALSE"));
}

TEST(OpenSslInteropTest, SerialAndFingerprintAgreeWithOpenSsl) {
  TempDir dir;
  Chain c;
  WriteFile(dir / "leaf.pem", c.leaf.ToPem());
  auto r = OpenSsl({"x509", "-in", dir / "leaf.pem", "-noout", "-serial", "-fingerprint", "-sha256"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("serial=" + Upper(c.leaf.SerialHex())));
  std::string fp = Upper(c.leaf.Sha256Fingerprint());
  std::string colons;
  for (size_t i = 0; i < fp.size(); i += 2) colons += (i ? ":" : "") + fp.substr(i, 2);
  EXPECT_THAT(r.out, HasSubstr(colons));
  auto subj = OpenSsl({"x509", "-in", dir / "leaf.pem", "-noout", "-subject", "-nameopt", "RFC2253"});
  ASSERT_EQ(subj.exit_code, 0);
  EXPECT_THAT(subj.out, HasSubstr("subject=" + c.leaf.Subject()));
}

TEST(OpenSslInteropTest, ExportedPkcs8KeysAreReadByOpenSslPkey) {
  TempDir dir;
  for (KeyType type : {KeyType::kEcP256, KeyType::kEcP384, KeyType::kEcP521, KeyType::kRsa2048}) {
    PrivateKey key = *PrivateKey::Generate(type);
    WriteFile(dir / "key.pem", key.ToPkcs8Pem());
    std::vector<uint8_t> der = key.ToPkcs8Der();
    WriteFile(dir / "key.der", std::string(der.begin(), der.end()));
    auto pem = OpenSsl({"pkey", "-in", dir / "key.pem", "-pubout"});
    ASSERT_EQ(pem.exit_code, 0) << KeyTypeName(type) << pem.err;
    EXPECT_EQ(pem.out, key.Public().ToPem()) << KeyTypeName(type);
    auto from_der = OpenSsl({"pkey", "-inform", "DER", "-in", dir / "key.der", "-pubout"});
    ASSERT_EQ(from_der.exit_code, 0) << from_der.err;
    EXPECT_EQ(from_der.out, key.Public().ToPem());
    // Re-exported by OpenSSL as PKCS#8, it is byte-identical.
    auto again = OpenSsl({"pkey", "-in", dir / "key.pem"});
    ASSERT_EQ(again.exit_code, 0);
    EXPECT_EQ(again.out, key.ToPkcs8Pem());
    // OpenSSL's PKCS#8 parser specifically.
    auto p8 = OpenSsl({"pkcs8", "-nocrypt", "-topk8", "-in", dir / "key.pem"});
    EXPECT_EQ(p8.exit_code, 0) << p8.err;
  }
}

TEST(OpenSslInteropTest, KeysGeneratedByOpenSslParseHere) {
  TempDir dir;
  struct Gen {
    std::vector<std::string> args;
    std::string label;
    KeyType type;
  };
  std::vector<Gen> gens = {
      {{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, "PRIVATE KEY",
       KeyType::kEcP256},
      {{"ecparam", "-name", "secp384r1", "-genkey"}, "EC PRIVATE KEY", KeyType::kEcP384},
      {{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, "PRIVATE KEY",
       KeyType::kEcP521},
      {{"genrsa", "-traditional", "2048"}, "RSA PRIVATE KEY", KeyType::kRsa2048},
  };
  for (const Gen& g : gens) {
    auto r = OpenSsl(g.args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("-----BEGIN " + g.label + "-----"));
    auto key = PrivateKey::FromPem(r.out);
    ASSERT_TRUE(key.ok()) << g.label << ": " << key.status();
    EXPECT_EQ(key->type(), g.type);
    // Same public key as OpenSSL derives.
    WriteFile(dir / "k.pem", r.out);
    auto pub = OpenSsl({"pkey", "-in", dir / "k.pem", "-pubout"});
    ASSERT_EQ(pub.exit_code, 0);
    auto pub_here = PublicKey::FromPem(pub.out);
    ASSERT_TRUE(pub_here.ok()) << pub_here.status();
    EXPECT_TRUE(key->Matches(*pub_here));
  }
}

TEST(OpenSslInteropTest, SignaturesCrossVerify) {
  TempDir dir;
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP384);
  WriteFile(dir / "key.pem", key.ToPkcs8Pem());
  WriteFile(dir / "pub.pem", key.Public().ToPem());
  WriteFile(dir / "msg", "attested payload");
  // OpenSSL signs, dstart verifies.
  auto sig = OpenSsl({"dgst", "-sha384", "-sign", dir / "key.pem", dir / "msg"});
  ASSERT_EQ(sig.exit_code, 0) << sig.err;
  EXPECT_TRUE(Verify(key.Public(), Hash::kSha384, common::AsBytes("attested payload"),
                     common::AsBytes(sig.out))
                  .ok());
  // dstart signs, OpenSSL verifies.
  auto mine = Sign(key, Hash::kSha384, common::AsBytes("attested payload"));
  ASSERT_TRUE(mine.ok());
  WriteFile(dir / "sig", std::string(mine->begin(), mine->end()));
  auto v = OpenSsl({"dgst", "-sha384", "-verify", dir / "pub.pem", "-signature", dir / "sig",
                    dir / "msg"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr("Verified OK"));
}

TEST(OpenSslInteropTest, OpenSslCsrIsSignedHere) {
  TempDir dir;
  Chain c;
  auto r = OpenSsl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", dir / "agent.key", "-subj", "/C=US/O=EdgeX/CN=agent0", "-addext",
                    "subjectAltName=URI:spiffe://edgexfoundry.org/x,DNS:agent.local", "-out",
                    dir / "agent.csr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto csr = CertificateRequest::FromPem(ReadFile(dir / "agent.csr"));
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_TRUE(csr->VerifySignature().ok());
  EXPECT_EQ(csr->Subject(), "CN=agent0,O=EdgeX,C=US");
  EXPECT_THAT(csr->UriSans(), ElementsAre("spiffe://edgexfoundry.org/x"));
  EXPECT_THAT(csr->DnsSans(), ElementsAre("agent.local"));
  auto key = PrivateKey::FromPem(ReadFile(dir / "agent.key"));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(*csr->public_key() == key->Public());

  auto cert = IssueCertificateFromCsr(
      ClientCertTemplate(csr->SubjectName(), system_clock::now(), hours(1)), *csr, c.inter,
      c.inter_key);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->CommonName(), "agent0");
  WriteFile(dir / "root.pem", c.root.ToPem());
  WriteFile(dir / "inter.pem", c.inter.ToPem());
  WriteFile(dir / "agent.pem", cert->ToPem());
  auto v = OpenSsl({"verify", "-x509_strict", "-CAfile", dir / "root.pem", "-untrusted",
                    dir / "inter.pem", dir / "agent.pem"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  // The issued certificate and OpenSSL's key are a pair.
  auto m1 = OpenSsl({"x509", "-in", dir / "agent.pem", "-noout", "-pubkey"});
  auto m2 = OpenSsl({"pkey", "-in", dir / "agent.key", "-pubout"});
  EXPECT_EQ(m1.out, m2.out);

  // A CSR we create is accepted by `openssl req -verify`.
  auto mine = CertificateRequest::Create(*key, {{"CN", "agent0"}}, {kId});
  ASSERT_TRUE(mine.ok());
  WriteFile(dir / "mine.csr", mine->ToPem());
  auto rv = OpenSsl({"req", "-in", dir / "mine.csr", "-verify", "-noout"});
  EXPECT_EQ(rv.exit_code, 0) << rv.err;
  EXPECT_THAT(rv.out + rv.err, HasSubstr("verify OK"));
}

TEST(OpenSslInteropTest, OpenSslCertificatesParseHere) {
  TempDir dir;
  auto r = OpenSsl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir / "ca.key",
                    "-subj", "/C=US/O=EdgeX/CN=ca", "-days", "2", "-addext",
                    "subjectAltName=URI:spiffe://edgexfoundry.org", "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign", "-out", dir / "ca.pem"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ca = Certificate::FromPem(ReadFile(dir / "ca.pem"));
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_TRUE(ca->IsCa());
  EXPECT_TRUE(ca->IsSelfSigned());
  EXPECT_THAT(ca->UriSans(), ElementsAre("spiffe://edgexfoundry.org"));
  EXPECT_EQ(*ca->GetKeyUsage(), (KeyUsage{.key_cert_sign = true, .crl_sign = true}));
  EXPECT_EQ(ca->Subject(), "CN=ca,O=EdgeX,C=US");
  EXPECT_GT(ca->NotAfter(), system_clock::now() + hours(47));
  EXPECT_LT(ca->NotAfter(), system_clock::now() + hours(49));
  auto ser = OpenSsl({"x509", "-in", dir / "ca.pem", "-noout", "-serial"});
  EXPECT_THAT(ser.out, HasSubstr("serial=" + Upper(ca->SerialHex())));

  // DER form, and an SVID issued here by the OpenSSL-made RSA CA.
  auto der = OpenSsl({"x509", "-in", dir / "ca.pem", "-outform", "DER"});
  ASSERT_EQ(der.exit_code, 0);
  auto ca_der = Certificate::FromDer(common::AsBytes(der.out));
  ASSERT_TRUE(ca_der.ok()) << ca_der.status();
  EXPECT_TRUE(*ca_der == *ca);
  auto ca_key = PrivateKey::FromPem(ReadFile(dir / "ca.key"));
  ASSERT_TRUE(ca_key.ok());
  PrivateKey leaf_key = *PrivateKey::Generate(KeyType::kEcP256);
  auto leaf = IssueCertificate(X509SvidTemplate(kId, {}, system_clock::now(), hours(1)),
                               leaf_key.Public(), *ca, *ca_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_TRUE(VerifyCertificateChain(*leaf, {}, {*ca}).ok());
  WriteFile(dir / "leaf.pem", leaf->ToPem());
  auto v = OpenSsl({"verify", "-CAfile", dir / "ca.pem", dir / "leaf.pem"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace dstart::crypto
