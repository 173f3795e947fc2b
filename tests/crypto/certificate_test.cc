// Certificates, CSRs, the builder and its profiles, and chain verification.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/cert_builder.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/digest.h"
#include "crypto/pem.h"
#include "crypto/signature.h"
#include "crypto/verify.h"
#include "common/encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::crypto {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kTd[] = "spiffe://example.org";
constexpr char kId[] = "spiffe://example.org/service/core-data";

std::string Message(const absl::Status& s) { return std::string(s.message()); }

// Whole seconds, as certificates store time.
system_clock::time_point Now() {
  return system_clock::from_time_t(system_clock::to_time_t(system_clock::now()));
}

struct Pki {
  system_clock::time_point now = Now();
  PrivateKey root_key = *PrivateKey::Generate(KeyType::kEcP384);
  Certificate root = *SelfSignCertificate(
      RootCaTemplate({{"C", "US"}, {"O", "SPIFFE"}, {"CN", "root"}}, kTd, now, hours(24)), root_key);
  PrivateKey inter_key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate inter = *IssueCertificate(
      IntermediateCaTemplate({{"C", "US"}, {"O", "SPIFFE"}, {"CN", "intermediate"}}, kTd, now,
                             hours(12), 0),
      inter_key.Public(), root, root_key);
  PrivateKey leaf_key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate leaf =
      *IssueCertificate(X509SvidTemplate(kId, {}, now, hours(1)), leaf_key.Public(), inter, inter_key);
};

TEST(BuilderTest, RootCaProfile) {
  Pki pki;
  const Certificate& root = pki.root;
  EXPECT_TRUE(root.IsCa());
  EXPECT_TRUE(root.HasBasicConstraints());
  EXPECT_EQ(root.PathLen(), std::nullopt);
  ASSERT_TRUE(root.GetKeyUsage().has_value());
  EXPECT_EQ(*root.GetKeyUsage(), (KeyUsage{.key_cert_sign = true, .crl_sign = true}));
  EXPECT_TRUE(root.KeyUsageCritical());
  EXPECT_FALSE(root.GetExtKeyUsage().has_value());
  EXPECT_THAT(root.UriSans(), ElementsAre(kTd));
  EXPECT_THAT(root.DnsSans(), IsEmpty());
  EXPECT_TRUE(root.IsSelfSigned());
  EXPECT_EQ(root.Subject(), "CN=root,O=SPIFFE,C=US");
  EXPECT_EQ(root.Issuer(), root.Subject());
  EXPECT_EQ(root.CommonName(), "root");
  EXPECT_EQ(root.NotBefore(), pki.now - seconds(10));
  EXPECT_EQ(root.NotAfter(), pki.now + hours(24));
  EXPECT_EQ(root.SubjectKeyId().size(), 20u);
  EXPECT_EQ(root.AuthorityKeyId(), root.SubjectKeyId());
  EXPECT_TRUE(*root.public_key() == pki.root_key.Public());
  // P-384 CA signs with SHA-384.
  EXPECT_EQ(X509_get_signature_nid(root.get()), NID_ecdsa_with_SHA384);
}

TEST(BuilderTest, IntermediateCaProfile) {
  Pki pki;
  EXPECT_TRUE(pki.inter.IsCa());
  EXPECT_EQ(pki.inter.PathLen(), 0);
  EXPECT_FALSE(pki.inter.IsSelfSigned());
  EXPECT_EQ(pki.inter.Issuer(), pki.root.Subject());
  EXPECT_EQ(pki.inter.AuthorityKeyId(), pki.root.SubjectKeyId());
  EXPECT_TRUE(pki.inter.VerifySignature(pki.root_key.Public()).ok());
  EXPECT_FALSE(pki.inter.VerifySignature(pki.inter_key.Public()).ok());
  EXPECT_EQ(X509_get_signature_nid(pki.inter.get()), NID_ecdsa_with_SHA384);
}

TEST(BuilderTest, X509SvidLeafProfile) {
  Pki pki;
  const Certificate& leaf = pki.leaf;
  // spec/spiffe.md §0 item 9 and §2.7.
  EXPECT_THAT(leaf.UriSans(), ElementsAre(kId));
  EXPECT_EQ(leaf.SanCount(), 1u);
  EXPECT_TRUE(leaf.HasBasicConstraints());
  EXPECT_FALSE(leaf.IsCa());
  ASSERT_TRUE(leaf.GetKeyUsage().has_value());
  EXPECT_EQ(*leaf.GetKeyUsage(),
            (KeyUsage{.digital_signature = true, .key_encipherment = true, .key_agreement = true}));
  EXPECT_TRUE(leaf.KeyUsageCritical());
  ASSERT_TRUE(leaf.GetExtKeyUsage().has_value());
  EXPECT_EQ(*leaf.GetExtKeyUsage(), (ExtKeyUsage{.server_auth = true, .client_auth = true}));
  EXPECT_EQ(leaf.NotBefore(), pki.now - seconds(10));
  EXPECT_EQ(leaf.NotAfter(), pki.now + hours(1));
  EXPECT_EQ(leaf.SubjectKeyId().size(), 20u);
  EXPECT_EQ(leaf.AuthorityKeyId(), pki.inter.SubjectKeyId());
  std::vector<uint8_t> digest = Sha256(common::AsBytes(kId));
  digest.resize(16);
  EXPECT_EQ(leaf.Subject(),
            "x500UniqueIdentifier=" + common::HexEncode(digest) + ",O=SPIRE,C=US");
  EXPECT_EQ(leaf.CommonName(), "");
  EXPECT_EQ(leaf.SerialBytes().size(), 16u);
  EXPECT_FALSE(leaf.IsSelfSigned());
  // P-256 intermediate signs with SHA-256.
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_ecdsa_with_SHA256);
}

TEST(BuilderTest, SvidDnsSansAndCommonName) {
  Pki pki;
  auto leaf = IssueCertificate(X509SvidTemplate(kId, {"core-data", "localhost"}, pki.now, hours(1)),
                               pki.leaf_key.Public(), pki.inter, pki.inter_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_THAT(leaf->DnsSans(), ElementsAre("core-data", "localhost"));
  EXPECT_THAT(leaf->UriSans(), ElementsAre(kId));
  EXPECT_EQ(leaf->SanCount(), 3u);
  EXPECT_EQ(leaf->CommonName(), "core-data");
}

TEST(BuilderTest, NotAfterIsCappedToTheIssuer) {
  Pki pki;
  auto leaf = IssueCertificate(X509SvidTemplate(kId, {}, pki.now, hours(100)), pki.leaf_key.Public(),
                               pki.inter, pki.inter_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_EQ(leaf->NotAfter(), pki.inter.NotAfter());
  CertificateTemplate uncapped = X509SvidTemplate(kId, {}, pki.now, hours(100));
  uncapped.cap_to_issuer = false;
  auto long_leaf = IssueCertificate(uncapped, pki.leaf_key.Public(), pki.inter, pki.inter_key);
  ASSERT_TRUE(long_leaf.ok());
  EXPECT_EQ(long_leaf->NotAfter(), pki.now + hours(100));
}

TEST(BuilderTest, SignatureHashFollowsTheIssuerKey) {
  for (auto [type, nid] : {std::pair{KeyType::kEcP256, NID_ecdsa_with_SHA256},
                           std::pair{KeyType::kEcP384, NID_ecdsa_with_SHA384},
                           std::pair{KeyType::kEcP521, NID_ecdsa_with_SHA512},
                           std::pair{KeyType::kRsa2048, NID_sha256WithRSAEncryption}}) {
    PrivateKey key = *PrivateKey::Generate(type);
    auto ca = SelfSignCertificate(RootCaTemplate({{"CN", "ca"}}, "", Now(), hours(1)), key);
    ASSERT_TRUE(ca.ok()) << ca.status();
    EXPECT_EQ(X509_get_signature_nid(ca->get()), nid) << KeyTypeName(type);
    EXPECT_THAT(ca->UriSans(), IsEmpty());
  }
  CertificateTemplate t = RootCaTemplate({{"CN", "ca"}}, "", Now(), hours(1));
  t.signature_hash = Hash::kSha512;
  auto ca = SelfSignCertificate(t, *PrivateKey::Generate(KeyType::kEcP256));
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(X509_get_signature_nid(ca->get()), NID_ecdsa_with_SHA512);
}

TEST(BuilderTest, ServerAndClientProfiles) {
  Pki pki;
  auto server = IssueCertificate(
      ServerCertTemplate({{"CN", "localhost"}}, {"localhost"}, {"127.0.0.1", "::1"}, pki.now, hours(1)),
      pki.leaf_key.Public(), pki.root, pki.root_key);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_FALSE(server->IsCa());
  EXPECT_EQ(*server->GetExtKeyUsage(), (ExtKeyUsage{.server_auth = true}));
  EXPECT_EQ(*server->GetKeyUsage(), (KeyUsage{.digital_signature = true, .key_encipherment = true}));
  EXPECT_THAT(server->DnsSans(), ElementsAre("localhost"));
  EXPECT_EQ(server->SanCount(), 3u);
  EXPECT_EQ(X509_check_ip_asc(server->get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server->get(), "::1", 0), 1);

  auto client = IssueCertificate(ClientCertTemplate({{"CN", "agent0"}}, pki.now, hours(1)),
                                 pki.leaf_key.Public(), pki.root, pki.root_key);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->CommonName(), "agent0");
  EXPECT_EQ(*client->GetExtKeyUsage(), (ExtKeyUsage{.client_auth = true}));
  EXPECT_EQ(client->SanCount(), 0u);
  EXPECT_TRUE(VerifyCertificateChain(*client, {}, {pki.root}).ok());
}

TEST(BuilderTest, ExplicitSerialAndFormats) {
  CertificateTemplate t = RootCaTemplate({{"CN", "ca"}}, "", Now(), hours(1));
  t.serial = {0x01, 0x00};
  auto ca = SelfSignCertificate(t, *PrivateKey::Generate(KeyType::kEcP256));
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->SerialHex(), "0100");
  EXPECT_EQ(ca->SerialDecimal(), "256");
  EXPECT_EQ(ca->SerialBytes(), (std::vector<uint8_t>{1, 0}));
  t.serial = std::vector<uint8_t>(20, 0xff);  // 20 bytes, top bit set: 21 octets encoded.
  auto too_long = SelfSignCertificate(t, *PrivateKey::Generate(KeyType::kEcP256));
  ASSERT_FALSE(too_long.ok());
  EXPECT_THAT(Message(too_long.status()), HasSubstr("20 octets"));
  t.serial = std::vector<uint8_t>(20, 0x7f);
  EXPECT_TRUE(SelfSignCertificate(t, *PrivateKey::Generate(KeyType::kEcP256)).ok());
  t.serial = {0, 0};
  EXPECT_FALSE(SelfSignCertificate(t, *PrivateKey::Generate(KeyType::kEcP256)).ok());
}

TEST(BuilderTest, RefusesBadTemplatesAndIssuers) {
  Pki pki;
  PublicKey key = pki.leaf_key.Public();
  CertificateTemplate backwards = X509SvidTemplate(kId, {}, pki.now, hours(1));
  backwards.not_after = backwards.not_before - seconds(1);
  auto b = IssueCertificate(backwards, key, pki.inter, pki.inter_key);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(Message(b.status()), HasSubstr("ends"));

  // Issuer's own validity already over: capping makes the window empty.
  CertificateTemplate late = X509SvidTemplate(kId, {}, pki.now + hours(20), hours(1));
  EXPECT_FALSE(IssueCertificate(late, key, pki.inter, pki.inter_key).ok());

  auto not_ca = IssueCertificate(X509SvidTemplate(kId, {}, pki.now, hours(1)), key, pki.leaf,
                                 pki.leaf_key);
  ASSERT_FALSE(not_ca.ok());
  EXPECT_THAT(Message(not_ca.status()), HasSubstr("not a CA"));

  auto wrong_key = IssueCertificate(X509SvidTemplate(kId, {}, pki.now, hours(1)), key, pki.inter,
                                    pki.root_key);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_THAT(Message(wrong_key.status()), HasSubstr("does not match"));

  // A CA certificate without keyCertSign may not issue.
  CertificateTemplate no_sign = RootCaTemplate({{"CN", "nosign"}}, "", pki.now, hours(1));
  no_sign.key_usage = KeyUsage{.crl_sign = true};
  PrivateKey nosign_key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate nosign = *SelfSignCertificate(no_sign, nosign_key);
  auto refused = IssueCertificate(X509SvidTemplate(kId, {}, pki.now, hours(1)), key, nosign, nosign_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(Message(refused.status()), HasSubstr("keyCertSign"));

  CertificateTemplate leaf_pathlen = X509SvidTemplate(kId, {}, pki.now, hours(1));
  leaf_pathlen.path_len = 1;
  EXPECT_FALSE(IssueCertificate(leaf_pathlen, key, pki.inter, pki.inter_key).ok());

  CertificateTemplate empty;
  empty.not_before = pki.now;
  empty.not_after = pki.now + hours(1);
  auto e = IssueCertificate(empty, key, pki.inter, pki.inter_key);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(Message(e.status()), HasSubstr("subjectAltName"));

  CertificateTemplate bad_ip = ServerCertTemplate({{"CN", "x"}}, {}, {"300.1.1.1"}, pki.now, hours(1));
  auto ip = IssueCertificate(bad_ip, key, pki.inter, pki.inter_key);
  ASSERT_FALSE(ip.ok());
  EXPECT_THAT(Message(ip.status()), HasSubstr("300.1.1.1"));

  CertificateTemplate bad_uri = X509SvidTemplate("", {}, pki.now, hours(1));
  EXPECT_FALSE(IssueCertificate(bad_uri, key, pki.inter, pki.inter_key).ok());

  CertificateTemplate bad_name = X509SvidTemplate(kId, {}, pki.now, hours(1));
  bad_name.subject = {{"C", "USA"}};  // countryName is exactly two letters.
  auto n = IssueCertificate(bad_name, key, pki.inter, pki.inter_key);
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(Message(n.status()), HasSubstr("C=\"USA\""));
  bad_name.subject = {{"NoSuchAttribute", "x"}};
  EXPECT_FALSE(IssueCertificate(bad_name, key, pki.inter, pki.inter_key).ok());
}

TEST(BuilderTest, EmptySubjectMakesSanCritical) {
  Pki pki;
  CertificateTemplate t = X509SvidTemplate(kId, {}, pki.now, hours(1));
  t.subject.clear();
  auto leaf = IssueCertificate(t, pki.leaf_key.Public(), pki.inter, pki.inter_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  int idx = X509_get_ext_by_NID(leaf->get(), NID_subject_alt_name, -1);
  ASSERT_GE(idx, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(leaf->get(), idx)), 1);
  EXPECT_EQ(leaf->Subject(), "");
}

TEST(CertificateTest, DerPemAndChainRoundTrips) {
  Pki pki;
  auto from_der = Certificate::FromDer(pki.leaf.ToDer());
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_TRUE(*from_der == pki.leaf);
  auto from_pem = Certificate::FromPem(pki.leaf.ToPem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_TRUE(*from_pem == pki.leaf);
  EXPECT_FALSE(pki.leaf == pki.inter);

  std::vector<Certificate> chain = {pki.leaf, pki.inter, pki.root};
  auto der_chain = Certificate::ChainFromDer(Certificate::ChainToDer(chain));
  ASSERT_TRUE(der_chain.ok()) << der_chain.status();
  ASSERT_EQ(der_chain->size(), 3u);
  EXPECT_TRUE((*der_chain)[1] == pki.inter);
  // PEM chain with a key block between certificates (as in a combined file).
  std::string pem = pki.leaf.ToPem() + pki.leaf_key.ToPkcs8Pem() + pki.inter.ToPem();
  auto pem_chain = Certificate::ChainFromPem(pem);
  ASSERT_TRUE(pem_chain.ok()) << pem_chain.status();
  ASSERT_EQ(pem_chain->size(), 2u);
  EXPECT_TRUE((*pem_chain)[0] == pki.leaf);
  EXPECT_EQ(Certificate::ChainToPem(*pem_chain), pki.leaf.ToPem() + pki.inter.ToPem());
}

TEST(CertificateTest, FingerprintsAndSerialMatchOpenSsl) {
  Pki pki;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(pki.leaf.get(), EVP_sha256(), md, &len);
  EXPECT_EQ(pki.leaf.Sha256Fingerprint(), common::HexEncode(std::span<const uint8_t>(md, len)));
  X509_digest(pki.leaf.get(), EVP_sha1(), md, &len);
  EXPECT_EQ(pki.leaf.Sha1Fingerprint(), common::HexEncode(std::span<const uint8_t>(md, len)));
  EXPECT_EQ(pki.leaf.Sha256Fingerprint().size(), 64u);
  EXPECT_EQ(pki.leaf.SerialHex(), common::HexEncode(pki.leaf.SerialBytes()));
}

TEST(CertificateTest, CopiesShareTheCertificate) {
  Pki pki;
  Certificate copy = pki.leaf;
  EXPECT_EQ(copy.get(), pki.leaf.get());
  copy = pki.root;
  EXPECT_EQ(copy.get(), pki.root.get());
  Certificate moved = std::move(copy);
  EXPECT_EQ(moved.get(), pki.root.get());
}

TEST(CertificateTest, MalformedDerIsRefused) {
  Pki pki;
  std::vector<uint8_t> der = pki.leaf.ToDer();
  EXPECT_FALSE(Certificate::FromDer({}).ok());
  for (size_t cut : {size_t{1}, size_t{10}, der.size() / 2, der.size() - 1}) {
    std::vector<uint8_t> truncated(der.begin(), der.begin() + cut);
    EXPECT_FALSE(Certificate::FromDer(truncated).ok()) << cut;
  }
  std::vector<uint8_t> trailing = der;
  trailing.push_back(0);
  auto t = Certificate::FromDer(trailing);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(Message(t.status()), HasSubstr("1 bytes after"));

  std::vector<uint8_t> two = Certificate::ChainToDer({pki.leaf, pki.inter});
  std::vector<uint8_t> cut_chain(two.begin(), two.end() - 5);
  auto c = Certificate::ChainFromDer(cut_chain);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(Message(c.status()), HasSubstr("certificate 1 (at byte " + std::to_string(der.size())));
  EXPECT_FALSE(Certificate::ChainFromDer({}).ok());
  EXPECT_FALSE(Certificate::ChainFromDer(std::vector<uint8_t>(50, 0x30)).ok());
}

TEST(CertificateTest, GarbagePemNamesTheProblem) {
  auto none = Certificate::FromPem("not pem");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(Message(none.status()), HasSubstr("no PEM block"));
  auto wrong = Certificate::FromPem(EncodePem("PRIVATE KEY", std::vector<uint8_t>{1, 2, 3}));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(Message(wrong.status()), HasSubstr("no \"CERTIFICATE\""));
  auto junk = Certificate::FromPem("\n" + EncodePem("CERTIFICATE", std::vector<uint8_t>{0x30, 0x01, 0x00}));
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(Message(junk.status()), HasSubstr("line 2"));
  EXPECT_FALSE(Certificate::ChainFromPem(EncodePem("X", std::vector<uint8_t>{1})).ok());
}

TEST(CertificateTest, RefusesDuplicateExtensionsAndNegativeSerials) {
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate ca = *SelfSignCertificate(RootCaTemplate({{"CN", "ca"}}, "", Now(), hours(1)), key);
  X509Ptr dup(X509_dup(ca.get()));
  int idx = X509_get_ext_by_NID(dup.get(), NID_basic_constraints, -1);
  ASSERT_GE(idx, 0);
  X509_add_ext(dup.get(), X509_get_ext(dup.get(), idx), -1);
  X509_sign(dup.get(), key.get(), EVP_sha256());
  unsigned char* out = nullptr;
  int len = i2d_X509(dup.get(), &out);
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_free(out);
  auto d = Certificate::FromDer(der);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(Message(d.status()), HasSubstr("more than once"));

  X509Ptr neg(X509_dup(ca.get()));
  Asn1IntegerPtr serial(ASN1_INTEGER_new());
  ASN1_INTEGER_set(serial.get(), -5);
  X509_set_serialNumber(neg.get(), serial.get());
  X509_sign(neg.get(), key.get(), EVP_sha256());
  out = nullptr;
  len = i2d_X509(neg.get(), &out);
  der.assign(out, out + len);
  OPENSSL_free(out);
  auto n = Certificate::FromDer(der);
  ASSERT_FALSE(n.ok());
  EXPECT_THAT(Message(n.status()), HasSubstr("negative"));
}

TEST(CertificateTest, FarFutureNotAfterSaturates) {
  // RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration date".
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP256);
  Certificate ca = *SelfSignCertificate(RootCaTemplate({{"CN", "ca"}}, "", Now(), hours(1)), key);
  X509Ptr edited(X509_dup(ca.get()));
  Asn1TimePtr forever(ASN1_TIME_new());
  ASSERT_EQ(ASN1_TIME_set_string(forever.get(), "99991231235959Z"), 1);
  X509_set1_notAfter(edited.get(), forever.get());
  X509_sign(edited.get(), key.get(), EVP_sha256());
  unsigned char* out = nullptr;
  int len = i2d_X509(edited.get(), &out);
  std::vector<uint8_t> der(out, out + len);
  OPENSSL_free(out);
  auto cert = Certificate::FromDer(der);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->NotAfter(), system_clock::time_point::max());
  EXPECT_EQ(cert->NotBefore(), ca.NotBefore());
  EXPECT_TRUE(VerifyCertificateChain(*cert, {}, {*cert}).ok());
}

TEST(CsrTest, CreateParseVerify) {
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP256);
  auto csr = CertificateRequest::Create(key, {{"C", "US"}, {"O", "SPIRE"}}, {kId}, {"svc.local"});
  ASSERT_TRUE(csr.ok()) << csr.status();
  EXPECT_TRUE(csr->VerifySignature().ok());
  EXPECT_THAT(csr->UriSans(), ElementsAre(kId));
  EXPECT_THAT(csr->DnsSans(), ElementsAre("svc.local"));
  EXPECT_EQ(csr->Subject(), "O=SPIRE,C=US");
  EXPECT_TRUE(*csr->public_key() == key.Public());

  auto from_der = CertificateRequest::FromDer(csr->ToDer());
  ASSERT_TRUE(from_der.ok()) << from_der.status();
  EXPECT_EQ(from_der->ToDer(), csr->ToDer());
  EXPECT_TRUE(from_der->VerifySignature().ok());
  auto from_pem = CertificateRequest::FromPem(csr->ToPem());
  ASSERT_TRUE(from_pem.ok()) << from_pem.status();
  EXPECT_THAT(from_pem->UriSans(), ElementsAre(kId));

  auto plain = CertificateRequest::Create(*PrivateKey::Generate(KeyType::kRsa2048), {{"CN", "x"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(plain->UriSans(), IsEmpty());
  EXPECT_TRUE(plain->VerifySignature().ok());
}

TEST(CsrTest, TamperedAndMalformedRequestsAreRefused) {
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP256);
  std::vector<uint8_t> der = CertificateRequest::Create(key, {{"CN", "original"}})->ToDer();
  // Change a byte of the subject ("original" -> "Original"): parses, signature fails.
  std::string as_text(der.begin(), der.end());
  size_t pos = as_text.find("original");
  ASSERT_NE(pos, std::string::npos);
  std::vector<uint8_t> tampered = der;
  tampered[pos] = 'O';
  auto t = CertificateRequest::FromDer(tampered);
  ASSERT_TRUE(t.ok()) << t.status();
  auto v = t->VerifySignature();
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(Message(v), HasSubstr("signature"));

  std::vector<uint8_t> truncated(der.begin(), der.end() - 2);
  EXPECT_FALSE(CertificateRequest::FromDer(truncated).ok());
  std::vector<uint8_t> trailing = der;
  trailing.push_back(1);
  EXPECT_FALSE(CertificateRequest::FromDer(trailing).ok());
  auto no_block = CertificateRequest::FromPem(EncodePem("CERTIFICATE", der));
  ASSERT_FALSE(no_block.ok());
  EXPECT_THAT(Message(no_block.status()), HasSubstr("CERTIFICATE REQUEST"));
  EXPECT_FALSE(CertificateRequest::Create(key, {{"CN", "x"}}, {""}).ok());
}

TEST(CsrTest, IssueFromCsrUsesOnlyTheKey) {
  Pki pki;
  PrivateKey key = *PrivateKey::Generate(KeyType::kEcP256);
  auto csr = CertificateRequest::Create(key, {{"CN", "ignored"}}, {"spiffe://evil.org/x"});
  ASSERT_TRUE(csr.ok());
  auto leaf = IssueCertificateFromCsr(X509SvidTemplate(kId, {}, pki.now, hours(1)), *csr, pki.inter,
                                      pki.inter_key);
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_THAT(leaf->UriSans(), ElementsAre(kId));
  EXPECT_TRUE(*leaf->public_key() == key.Public());

  // A request whose signature does not verify is not certified.
  std::vector<uint8_t> der = csr->ToDer();
  der[der.size() - 3] ^= 0x01;
  auto bad = CertificateRequest::FromDer(der);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(IssueCertificateFromCsr(X509SvidTemplate(kId, {}, pki.now, hours(1)), *bad, pki.inter,
                                       pki.inter_key)
                   .ok());
}

TEST(VerifyTest, ValidChainReturnsThePath) {
  Pki pki;
  auto path = VerifyCertificateChain(pki.leaf, {pki.inter}, {pki.root});
  ASSERT_TRUE(path.ok()) << path.status();
  ASSERT_EQ(path->size(), 3u);
  EXPECT_TRUE((*path)[0] == pki.leaf);
  EXPECT_TRUE((*path)[1] == pki.inter);
  EXPECT_TRUE((*path)[2] == pki.root);
  // Extra, unrelated roots and intermediates do not matter.
  Pki other;
  EXPECT_TRUE(VerifyCertificateChain(pki.leaf, {other.inter, pki.inter}, {other.root, pki.root}).ok());
}

TEST(VerifyTest, FailuresSayWhy) {
  Pki pki;
  Pki other;
  auto wrong_root = VerifyCertificateChain(pki.leaf, {pki.inter}, {other.root});
  ASSERT_FALSE(wrong_root.ok());
  EXPECT_THAT(Message(wrong_root.status()), HasSubstr("unable to get local issuer certificate"));

  auto missing_inter = VerifyCertificateChain(pki.leaf, {}, {pki.root});
  ASSERT_FALSE(missing_inter.ok());
  EXPECT_THAT(Message(missing_inter.status()), HasSubstr("depth 0"));

  // Partial chains are off: an intermediate alone is no anchor.
  EXPECT_FALSE(VerifyCertificateChain(pki.leaf, {}, {pki.inter}).ok());

  auto expired = VerifyCertificateChain(pki.leaf, {pki.inter}, {pki.root}, pki.now + hours(2));
  ASSERT_FALSE(expired.ok());
  EXPECT_THAT(Message(expired.status()), HasSubstr("certificate has expired"));
  EXPECT_THAT(Message(expired.status()), HasSubstr("depth 0"));

  auto early = VerifyCertificateChain(pki.leaf, {pki.inter}, {pki.root}, pki.now - hours(1));
  ASSERT_FALSE(early.ok());
  EXPECT_THAT(Message(early.status()), HasSubstr("not yet valid"));

  EXPECT_TRUE(VerifyCertificateChain(pki.leaf, {pki.inter}, {pki.root}, pki.now + hours(1) - seconds(1)).ok());

  auto no_roots = VerifyCertificateChain(pki.leaf, {pki.inter}, {});
  ASSERT_FALSE(no_roots.ok());
  EXPECT_EQ(no_roots.status().code(), absl::StatusCode::kInvalidArgument);

  // A leaf signed by a key that is not the intermediate's.
  CertificateTemplate t = X509SvidTemplate(kId, {}, pki.now, hours(1));
  auto forged = IssueCertificate(t, pki.leaf_key.Public(), other.inter, other.inter_key);
  ASSERT_TRUE(forged.ok());
  X509Ptr edited(X509_dup(forged->get()));
  X509_set_issuer_name(edited.get(), X509_get_subject_name(pki.inter.get()));
  // Without the AKI, which would point OpenSSL at the other intermediate.
  X509_EXTENSION_free(X509_delete_ext(
      edited.get(), X509_get_ext_by_NID(edited.get(), NID_authority_key_identifier, -1)));
  X509_sign(edited.get(), other.inter_key.get(), EVP_sha256());
  auto bad_sig = VerifyCertificateChain(Certificate::FromHandle(std::move(edited)), {pki.inter},
                                        {pki.root});
  ASSERT_FALSE(bad_sig.ok());
  EXPECT_THAT(Message(bad_sig.status()), HasSubstr("signature"));
}

TEST(VerifyTest, NoPurposeCheck) {
  // A leaf with only clientAuth still verifies: EKU is for the caller to check.
  Pki pki;
  auto client = IssueCertificate(ClientCertTemplate({{"CN", "c"}}, pki.now, hours(1)),
                                 pki.leaf_key.Public(), pki.inter, pki.inter_key);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(VerifyCertificateChain(*client, {pki.inter}, {pki.root}).ok());
}

}  // namespace
}  // namespace dstart::crypto
