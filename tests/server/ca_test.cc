#include "server/ca/ca.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/cert_builder.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/keys.h"
#include "server/datastore/datastore.h"
#include "support/process.h"

namespace dstart::server::ca {
namespace {

using dstart::testing::TempDir;

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ds = datastore::OpenSqlite((dir_ / "ds.sqlite3").string());
    ASSERT_TRUE(ds.ok());
    ds_ = std::move(*ds);
  }
  CaOptions Options() {
    CaOptions o;
    o.trust_domain = "example.org";
    o.ca_ttl = 600;
    o.datastore = ds_.get();
    o.logger = &logger_;
    o.now = [this] { return now_; };
    return o;
  }
  std::string Csr(const std::string& id, const std::vector<std::string>& dns = {}) {
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
    auto csr = crypto::CertificateRequest::Create(*key, {}, {id}, dns);
    auto der = csr->ToDer();
    return std::string(der.begin(), der.end());
  }
  static crypto::Certificate Cert(const std::string& der) {
    return *crypto::Certificate::FromDer(common::AsBytes(der));
  }

  TempDir dir_;
  std::unique_ptr<datastore::DataStore> ds_;
  common::Logger logger_{[] {
    common::Logger::Options o;
    o.level = common::LogLevel::kError;
    return o;
  }()};
  int64_t now_ = 1800000000;
};

TEST_F(CaTest, SelfSignedMintsLeafOnlyChainsUnderTheBundleRoot) {
  auto ca = Ca::Start(Options());
  ASSERT_TRUE(ca.ok()) << ca.status();
  BundleData b = (*ca)->Bundle();
  ASSERT_EQ(b.x509_authorities.size(), 1u);
  ASSERT_EQ(b.jwt_authorities.size(), 1u);
  EXPECT_EQ(b.sequence_number, 1u);
  crypto::Certificate root = Cert(b.x509_authorities[0]);
  EXPECT_TRUE(root.IsCa());
  EXPECT_EQ(root.UriSans(), std::vector<std::string>{"spiffe://example.org"});
  EXPECT_EQ(crypto::Certificate::FromDer(common::AsBytes(b.x509_authorities[0]))->NotAfter() -
                root.NotBefore(),
            std::chrono::seconds(610));

  auto svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/service/a", {"svc-a"}), 60);
  ASSERT_TRUE(svid.ok()) << svid.status();
  ASSERT_EQ(svid->cert_chain.size(), 1u);
  crypto::Certificate leaf = Cert(svid->cert_chain[0]);
  EXPECT_EQ(leaf.UriSans(), std::vector<std::string>{"spiffe://example.org/service/a"});
  EXPECT_EQ(leaf.DnsSans(), std::vector<std::string>{"svc-a"});
  EXPECT_EQ(leaf.CommonName(), "svc-a");
  EXPECT_FALSE(leaf.IsCa());
  EXPECT_EQ(leaf.AuthorityKeyId(), root.SubjectKeyId());
  EXPECT_EQ(svid->expires_at, now_ + 60);

  // TTL 0: default_x509_svid_ttl, capped at the CA's expiry (600 s CA, 3600 s default).
  svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/service/a"), 0);
  ASSERT_TRUE(svid.ok());
  EXPECT_LE(svid->expires_at, now_ + 600);

  auto jwt = (*ca)->MintJwtSvid("spiffe://example.org/service/a", {"aud"}, 0);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->expires_at, now_ + 300);
  EXPECT_EQ(std::count(jwt->token.begin(), jwt->token.end(), '.'), 2);
}

TEST_F(CaTest, MintingRefusesBadRequests) {
  auto ca = Ca::Start(Options());
  ASSERT_TRUE(ca.ok());
  EXPECT_TRUE(absl::IsInvalidArgument((*ca)->MintX509SvidFromCsr("garbage", 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      (*ca)->MintX509SvidFromCsr(Csr("spiffe://other.org/x"), 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument((*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org"), 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/x"), -1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument((*ca)->MintJwtSvid("spiffe://example.org/x", {}, 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument((*ca)->MintJwtSvid("not an id", {"a"}, 0).status()));
}

TEST_F(CaTest, PreparesAtHalfLifeAndActivatesAtASixthLeft) {
  auto ca = Ca::Start(Options());
  ASSERT_TRUE(ca.ok());
  auto first_root = (*ca)->Bundle().x509_authorities[0];
  now_ += 290;  // 310 s of 600 left: nothing yet
  ASSERT_TRUE((*ca)->Rotate().ok());
  EXPECT_EQ((*ca)->Bundle().sequence_number, 1u);
  now_ += 20;  // 290 left <= 300: prepare the next CA and JWT key, publish them
  ASSERT_TRUE((*ca)->Rotate().ok());
  BundleData b = (*ca)->Bundle();
  EXPECT_EQ(b.sequence_number, 2u);
  EXPECT_EQ(b.x509_authorities.size(), 2u);
  EXPECT_EQ(b.jwt_authorities.size(), 2u);
  // Still signing with the first CA.
  auto svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/a"), 10);
  EXPECT_EQ(Cert(svid->cert_chain[0]).AuthorityKeyId(), Cert(first_root).SubjectKeyId());
  now_ += 200;  // 90 left <= 100: activate
  ASSERT_TRUE((*ca)->Rotate().ok());
  svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/a"), 10);
  EXPECT_EQ(Cert(svid->cert_chain[0]).AuthorityKeyId(), Cert(b.x509_authorities[1]).SubjectKeyId());
  EXPECT_EQ((*ca)->Bundle().sequence_number, 2u);  // activation does not change the bundle
  now_ += 100;  // first CA expired: leaves the bundle (and the second is at half life)
  ASSERT_TRUE((*ca)->Rotate().ok());
  BundleData later = (*ca)->Bundle();
  EXPECT_EQ(std::count(later.x509_authorities.begin(), later.x509_authorities.end(), first_root), 0);
  EXPECT_EQ(std::count(later.x509_authorities.begin(), later.x509_authorities.end(),
                       b.x509_authorities[1]),
            1);
  EXPECT_EQ(later.sequence_number, 3u);
}

TEST_F(CaTest, DiskKeyManagerSurvivesRestart) {
  CaOptions o = Options();
  o.keys_path = (dir_ / "keys.json").string();
  BundleData before;
  {
    auto ca = Ca::Start(o);
    ASSERT_TRUE(ca.ok()) << ca.status();
    before = (*ca)->Bundle();
  }
  struct stat st {};
  ASSERT_EQ(stat(o.keys_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ca = Ca::Start(o);
  ASSERT_TRUE(ca.ok()) << ca.status();
  EXPECT_EQ((*ca)->Bundle().x509_authorities, before.x509_authorities);
  EXPECT_EQ((*ca)->Bundle().sequence_number, before.sequence_number);
  auto svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/a"), 10);
  EXPECT_EQ(Cert(svid->cert_chain[0]).AuthorityKeyId(),
            Cert(before.x509_authorities[0]).SubjectKeyId());
}

TEST_F(CaTest, MemoryKeyManagerStartsANewCaAfterRestartAndBumpsTheSequence) {
  BundleData before;
  {
    auto ca = Ca::Start(Options());
    before = (*ca)->Bundle();
  }
  auto ca = Ca::Start(Options());
  ASSERT_TRUE(ca.ok());
  EXPECT_GT((*ca)->Bundle().sequence_number, before.sequence_number);
  EXPECT_EQ((*ca)->Bundle().x509_authorities.size(), 2u);  // old root kept until it expires
}

TEST_F(CaTest, UpstreamDiskIssuesAnIntermediate) {
  auto root_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP384);
  auto root = crypto::SelfSignCertificate(
      crypto::RootCaTemplate({{"CN", "SPIFFE Root CA"}}, "spiffe://example.org",
                             std::chrono::system_clock::time_point(std::chrono::seconds(now_ - 100)),
                             std::chrono::hours(24 * 3650)),
      *root_key);
  ASSERT_TRUE(root.ok());
  dstart::testing::WriteFile(dir_ / "ca.crt", root->ToPem());
  dstart::testing::WriteFile(dir_ / "ca.key", root_key->ToPkcs8Pem());
  CaOptions o = Options();
  o.ca_key_type = "ec-p384";
  o.upstream_cert_file = (dir_ / "ca.crt").string();
  o.upstream_key_file = (dir_ / "ca.key").string();
  auto ca = Ca::Start(o);
  ASSERT_TRUE(ca.ok()) << ca.status();
  BundleData b = (*ca)->Bundle();
  ASSERT_EQ(b.x509_authorities.size(), 1u);
  EXPECT_EQ(Cert(b.x509_authorities[0]).ToDer(), root->ToDer());
  auto svid = (*ca)->MintX509SvidFromCsr(Csr("spiffe://example.org/a"), 10);
  ASSERT_TRUE(svid.ok());
  ASSERT_EQ(svid->cert_chain.size(), 2u);
  crypto::Certificate inter = Cert(svid->cert_chain[1]);
  EXPECT_TRUE(inter.IsCa());
  EXPECT_EQ(inter.AuthorityKeyId(), root->SubjectKeyId());
  EXPECT_EQ(inter.UriSans(), std::vector<std::string>{"spiffe://example.org"});
}

TEST_F(CaTest, BadKeyFilesAndKeyTypesNameTheField) {
  CaOptions o = Options();
  o.upstream_cert_file = (dir_ / "missing.crt").string();
  o.upstream_key_file = (dir_ / "missing.key").string();
  auto ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("cert_file_path"), std::string::npos);

  auto root_key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  auto root = crypto::SelfSignCertificate(
      crypto::RootCaTemplate({{"CN", "root"}}, "spiffe://example.org",
                             std::chrono::system_clock::now(), std::chrono::hours(24)),
      *root_key);
  dstart::testing::WriteFile(dir_ / "ca.crt", root->ToPem());
  dstart::testing::WriteFile(dir_ / "bad.key", "not a key");
  o.upstream_cert_file = (dir_ / "ca.crt").string();
  o.upstream_key_file = (dir_ / "bad.key").string();
  ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("key_file_path"), std::string::npos);
  // A key that does not match the certificate.
  auto other = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  dstart::testing::WriteFile(dir_ / "other.key", other->ToPkcs8Pem());
  o.upstream_key_file = (dir_ / "other.key").string();
  ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("does not match"), std::string::npos);

  o = Options();
  o.keys_path = (dir_ / "keys.json").string();
  dstart::testing::WriteFile(dir_ / "keys.json", "{not json");
  ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("keys_path"), std::string::npos);
  std::filesystem::remove(dir_ / "keys.json");
  std::filesystem::create_directory(dir_ / "keys.json");
  ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("keys_path"), std::string::npos);

  o = Options();
  o.ca_key_type = "ec-p999";
  ca = Ca::Start(o);
  ASSERT_FALSE(ca.ok());
  EXPECT_NE(std::string(ca.status().message()).find("ca_key_type"), std::string::npos);
}

}  // namespace
}  // namespace dstart::server::ca
