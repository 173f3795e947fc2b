#include "server/config.h"

#include <gtest/gtest.h>

#include "support/process.h"

namespace dstart::server {
namespace {

TEST(ServerConfigTest, EdgexServerConfLoadsAsItIs) {
  auto c = LoadServerConfig(std::string(DSTART_SERVER_TESTDATA) + "/edgex-server.conf");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->audit_log_enabled);
  EXPECT_EQ(c->bind_port, 59840);
  EXPECT_EQ(c->log_file, "/dev/stdout");
  EXPECT_EQ(c->log_level, "DEBUG");
  EXPECT_EQ(c->data_dir, "/srv/spiffe/server/data");
  EXPECT_EQ(c->default_x509_svid_ttl, 3600);
  EXPECT_EQ(c->default_jwt_svid_ttl, 300);
  EXPECT_EQ(c->ca_key_type, "ec-p384");
  EXPECT_EQ(c->ca_subject_country, std::vector<std::string>{"US"});
  EXPECT_EQ(c->ca_subject_organization, std::vector<std::string>{"SPIFFE"});
  EXPECT_EQ(c->socket_path, "/tmp/edgex/secrets/spiffe/private/api.sock");
  EXPECT_EQ(c->trust_domain, "edgexfoundry.org");
  EXPECT_EQ(c->database_type, "sqlite3");
  EXPECT_EQ(c->connection_string, "/srv/spiffe/server/datastore.sqlite3");
  EXPECT_TRUE(c->x509pop_enabled);
  EXPECT_EQ(c->x509pop_ca_bundle_paths,
            std::vector<std::string>{"/srv/spiffe/ca/public/agent-ca.crt"});
  EXPECT_EQ(c->x509pop_agent_path_template, "/{{ .PluginName}}/cn/{{ .Subject.CommonName }}");
  EXPECT_EQ(c->key_manager, "disk");
  EXPECT_EQ(c->keys_path, "/srv/spiffe/server/keys.json");
  EXPECT_EQ(c->upstream_cert_file, "/srv/spiffe/ca/public/ca.crt");
  EXPECT_EQ(c->upstream_key_file, "/srv/spiffe/ca/private/ca.key");
  EXPECT_TRUE(ValidateServerConfig(*c).ok());
}

void ExpectError(const std::string& text, const std::string& needle) {
  auto c = ParseServerConfig(text, "server.conf");
  std::string msg;
  if (c.ok()) {
    absl::Status st = ValidateServerConfig(*c);
    ASSERT_FALSE(st.ok()) << "accepted: " << text;
    msg = std::string(st.message());
  } else {
    msg = std::string(c.status().message());
  }
  EXPECT_NE(msg.find(needle), std::string::npos) << "message: " << msg;
}

TEST(ServerConfigTest, UnknownKeysAreErrorsNamingKeyAndLine) {
  ExpectError("server {\n  trust_domain = \"x.org\"\n  bogus_key = 1\n}\n", "server.conf:3");
  ExpectError("server {\n  trust_domain = \"x.org\"\n  bogus_key = 1\n}\n", "bogus_key");
  ExpectError("server { trust_domain = \"x.org\" }\nextra {}\n", "extra");
  ExpectError("server { trust_domain = \"x.org\" }\nplugins {\n Foo \"x\" {}\n}\n", "Foo");
  ExpectError(
      "server { trust_domain = \"x.org\" }\nplugins {\n DataStore \"sql\" {\n plugin_data {\n"
      " database_type = \"sqlite3\"\n typo = 1\n }\n }\n}\n",
      "typo");
  ExpectError("server {\n trust_domain = \"x.org\"\n ca_subject { color = \"red\" }\n}\n", "color");
}

TEST(ServerConfigTest, BadValuesNameTheField) {
  ExpectError("server { }", "trust_domain");
  ExpectError("server { trust_domain = \"Bad Domain\" }", "trust_domain");
  ExpectError("server { trust_domain = \"x.org\"\n ca_key_type = \"ec-p999\" }", "ca_key_type");
  ExpectError("server { trust_domain = \"x.org\"\n default_x509_svid_ttl = \"1 hour\" }",
              "default_x509_svid_ttl");
  ExpectError("server { trust_domain = \"x.org\"\n ca_ttl = \"-5m\" }", "ca_ttl");
  ExpectError("server { trust_domain = \"x.org\"\n bind_port = 70000 }", "bind_port");
  ExpectError(
      "server { trust_domain = \"x.org\" }\nplugins {\n DataStore \"sql\" {\n plugin_data {\n"
      " database_type = \"mysql\"\n }\n }\n}\n",
      "database_type");
  ExpectError(
      "server { trust_domain = \"x.org\" }\nplugins {\n KeyManager \"disk\" {\n plugin_data {\n"
      " }\n }\n}\n",
      "keys_path");
  ExpectError("not hcl {", "server.conf");
}

TEST(ServerConfigTest, MissingFileNamesThePath) {
  auto c = LoadServerConfig("/nonexistent/server.conf");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(std::string(c.status().message()).find("/nonexistent/server.conf"), std::string::npos);
}

}  // namespace
}  // namespace dstart::server
