#include "tokenprovider/config.h"

#include <gtest/gtest.h>

#include "support/process.h"

namespace dstart::tokenprovider {
namespace {

using dstart::testing::TempDir;
using dstart::testing::WriteFile;

TEST(ConfigTest, DefaultsAreEdgexs) {
  auto c = LoadConfig("", {});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->port, 59841);
  EXPECT_EQ(c->default_token_ttl, std::chrono::hours(1));
  EXPECT_EQ(c->default_jwt_ttl, std::chrono::minutes(15));
  EXPECT_EQ(c->default_jwt_audience, "edgex");
  EXPECT_EQ(c->userpass_mount_point, "userpass");
  EXPECT_EQ(c->trust_domain, "edgexfoundry.org");
  EXPECT_EQ(c->endpoint_socket, "/tmp/edgex/secrets/spiffe/public/api.sock");
  EXPECT_EQ(c->strategy, MintStrategy::kTokenRole);
}

TEST(ConfigTest, FileThenEnvironment) {
  TempDir dir;
  WriteFile(
      dir / "configuration.yaml",
      "Service:\n  Port: 6000\nTokenConfig:\n  DefaultTokenTTL: 2h\n  MintStrategy: userpass\n"
      "Spiffe:\n  TrustDomain: example.org\n");
  auto c = LoadConfig((dir / "configuration.yaml").string(),
                      {{"SPIFFE_TRUSTDOMAIN", "other.org"}, {"SECRETSTORE_PORT", "8300"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->port, 6000);
  EXPECT_EQ(c->default_token_ttl, std::chrono::hours(2));
  EXPECT_EQ(c->strategy, MintStrategy::kUserpass);
  EXPECT_EQ(c->trust_domain, "other.org");
  EXPECT_EQ(c->store_port, 8300);
}

TEST(ConfigTest, BadValuesNameTheKeyAndFile) {
  TempDir dir;
  WriteFile(dir / "c.yaml", "TokenConfig:\n  MintStrategy: magic\n");
  auto c = LoadConfig((dir / "c.yaml").string(), {});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("TokenConfig.MintStrategy"), std::string::npos);
  EXPECT_NE(std::string(c.status().message()).find("c.yaml"), std::string::npos);
  EXPECT_FALSE(LoadConfig("", {{"SERVICE_PORT", "70000"}}).ok());
  EXPECT_FALSE(LoadConfig("", {{"TOKENCONFIG_DEFAULTTOKENTTL", "soon"}}).ok());
  EXPECT_FALSE(LoadConfig("", {{"SECRETSTORE_PROTOCOL", "ftp"}}).ok());
}

TEST(ConfigTest, TokenFileInEdgexShape) {
  TempDir dir;
  WriteFile(dir / "t.json", R"({"auth":{"client_token":"s.abc"}})");
  EXPECT_EQ(*ReadTokenFile((dir / "t.json").string()), "s.abc");
  WriteFile(dir / "bad.json", R"({"auth":{}})");
  EXPECT_FALSE(ReadTokenFile((dir / "bad.json").string()).ok());
  EXPECT_FALSE(ReadTokenFile((dir / "missing.json").string()).ok());
}

}  // namespace
}  // namespace dstart::tokenprovider
