// The CA through the CLI against a real server: x509 mint verified by openssl against
// `bundle show`, JWT mint, restart durability of entries, CA and bundle.
#include <gtest/gtest.h>

#include <algorithm>

#include "nlohmann/json.hpp"
#include "server_fixture.h"

namespace dstart::server::testing {
namespace {

using dstart::testing::RunCommand;
using dstart::testing::TempDir;

// An EdgeX-like upstream: a self-signed P-384 root made with openssl.
std::string UpstreamPlugins(const TempDir& dir) {
  auto r = RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                       "ec_paramgen_curve:P-384", "-nodes", "-keyout", (dir / "ca.key").string(),
                       "-out", (dir / "ca.crt").string(), "-days", "3650", "-subj",
                       "/CN=SPIFFE Root CA", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:1",
                       "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return "  KeyManager \"disk\" {\n    plugin_data = {\n      keys_path = \"" +
         (dir / "keys.json").string() +
         "\"\n    }\n  }\n  UpstreamAuthority \"disk\" {\n    plugin_data = {\n      "
         "cert_file_path = \"" +
         (dir / "ca.crt").string() + "\"\n      key_file_path = \"" + (dir / "ca.key").string() +
         "\"\n    }\n  }\n";
}

TEST(CaIntegrationTest, BundleShowVerifiesMintedSvidWithOpenssl) {
  TempDir dir;
  RunningServer server(dir.path(), "  ca_key_type = \"ec-p384\"\n", UpstreamPlugins(dir));
  ASSERT_TRUE(server.ready()) << server.process().Stdout() << server.process().Stderr();

  auto bundle = server.Cli({"bundle", "show"});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  EXPECT_EQ(bundle.out, dstart::testing::ReadFile(dir / "ca.crt"));  // the upstream root
  dstart::testing::WriteFile(dir / "bundle.pem", bundle.out);

  auto mint = server.Cli({"x509", "mint", "-spiffeID",
                          "spiffe://edgexfoundry.org/service/device-virtual", "-dns",
                          "edgex-device-virtual", "-ttl", "10m", "-write", dir.path().string()});
  ASSERT_EQ(mint.exit_code, 0) << mint.err;
  EXPECT_NE(mint.out.find("X509-SVID written to " + (dir / "svid.pem").string()), std::string::npos);
  auto verify = RunCommand({"openssl", "verify", "-CAfile", (dir / "bundle.pem").string(),
                            "-untrusted", (dir / "svid.pem").string(),
                            (dir / "svid.pem").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("OK"), std::string::npos);
  // The key written matches the certificate.
  auto mod1 = RunCommand({"openssl", "x509", "-in", (dir / "svid.pem").string(), "-noout", "-pubkey"});
  auto mod2 = RunCommand({"openssl", "pkey", "-in", (dir / "key.pem").string(), "-pubout"});
  EXPECT_EQ(mod1.out, mod2.out);
  auto text = RunCommand({"openssl", "x509", "-in", (dir / "svid.pem").string(), "-noout", "-text"});
  EXPECT_NE(text.out.find("URI:spiffe://edgexfoundry.org/service/device-virtual"), std::string::npos);
  EXPECT_NE(text.out.find("DNS:edgex-device-virtual"), std::string::npos);

  // Pretty output to stdout has the three sections.
  auto pretty = server.Cli({"x509", "mint", "-spiffeID", "spiffe://edgexfoundry.org/a"});
  EXPECT_EQ(pretty.out.rfind("X509-SVID:\n-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_NE(pretty.out.find("\nPrivate key:\n-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(pretty.out.find("\nRoot CAs:\n-----BEGIN CERTIFICATE-----"), std::string::npos);
  auto bad = server.Cli({"x509", "mint", "-spiffeID", "spiffe://other.org/a"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("InvalidArgument"), std::string::npos);
  bad = server.Cli({"x509", "mint"});
  EXPECT_EQ(bad.err, "Error: spiffeID must be specified\n");

  auto spiffe = server.Cli({"bundle", "show", "-format", "spiffe"});
  ASSERT_EQ(spiffe.exit_code, 0) << spiffe.err;
  auto j = nlohmann::json::parse(spiffe.out);
  ASSERT_TRUE(j["keys"].is_array());
  int x509 = 0, jwt = 0;
  for (const auto& k : j["keys"]) {
    x509 += k["use"] == "x509-svid";
    jwt += k["use"] == "jwt-svid";
  }
  EXPECT_EQ(x509, 1);
  EXPECT_EQ(jwt, 1);
  EXPECT_EQ(j["spiffe_sequence"], 1);
  EXPECT_NE(spiffe.out.find("\n    \"keys\""), std::string::npos);  // indented 4

  auto token = server.Cli({"jwt", "mint", "-spiffeID", "spiffe://edgexfoundry.org/a", "-audience",
                           "x", "-ttl", "1m"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  EXPECT_EQ(std::count(token.out.begin(), token.out.end(), '.'), 2);
  EXPECT_EQ(server.Cli({"jwt", "mint", "-spiffeID", "spiffe://edgexfoundry.org/a"}).err,
            "Error: at least one audience must be specified\n");
}

TEST(CaIntegrationTest, EntriesCaAndBundleSurviveARestart) {
  TempDir dir;
  RunningServer server(dir.path(), "", UpstreamPlugins(dir));
  ASSERT_TRUE(server.ready());
  ASSERT_EQ(server.Cli({"entry", "create", "-parentID",
                        "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0", "-spiffeID",
                        "spiffe://edgexfoundry.org/service/a", "-selector", "unix:uid:1"})
                .exit_code,
            0);
  std::string shown = server.Cli({"entry", "show"}).out;
  auto spiffe_before = server.Cli({"bundle", "show", "-format", "spiffe"}).out;
  auto mint_before = server.Cli({"x509", "mint", "-spiffeID", "spiffe://edgexfoundry.org/a",
                                 "-output", "json"});
  EXPECT_EQ(server.Stop(), 0);
  server.Start();
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.Cli({"entry", "show"}).out, shown);
  EXPECT_EQ(server.Cli({"bundle", "show", "-format", "spiffe"}).out, spiffe_before);
  auto mint_after = server.Cli({"x509", "mint", "-spiffeID", "spiffe://edgexfoundry.org/a",
                                "-output", "json"});
  // Same intermediate CA signs after the restart.
  auto before = nlohmann::json::parse(mint_before.out);
  auto after = nlohmann::json::parse(mint_after.out);
  ASSERT_EQ(after["x509_svid"].size(), 2u);
  EXPECT_EQ(before["x509_svid"][1], after["x509_svid"][1]);
}

TEST(CaIntegrationTest, AgentsTokensAndHealth) {
  TempDir dir;
  RunningServer server(dir.path());
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.Cli({"healthcheck"}).out, "Server is healthy.\n");
  EXPECT_EQ(server.Cli({"healthcheck", "-verbose"}).out,
            "Checking server health...\nServer is healthy.\n");
  EXPECT_EQ(server.Cli({"agent", "list"}).out, "No attested agents found\n");
  EXPECT_EQ(server.Cli({"agent", "count"}).out, "0 attested agents\n");
  auto show = server.Cli({"agent", "show", "-spiffeID",
                          "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_NE(show.err.find("code = NotFound"), std::string::npos);
  auto evict = server.Cli({"agent", "evict", "-spiffeID",
                           "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0"});
  EXPECT_EQ(evict.exit_code, 1);
  auto ban = server.Cli({"agent", "ban", "-spiffeID", "spiffe://other.org/spire/agent/x"});
  EXPECT_EQ(ban.exit_code, 1);
  EXPECT_NE(ban.err.find("InvalidArgument"), std::string::npos);

  auto tok = server.Cli({"token", "generate"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  EXPECT_EQ(tok.out.rfind("Token: ", 0), 0u);
  EXPECT_NE(tok.out.find("\nWarning: Missing SPIFFE ID.\n"), std::string::npos);
  tok = server.Cli({"token", "generate", "-spiffeID", "spiffe://edgexfoundry.org/host", "-ttl", "60"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  EXPECT_EQ(tok.out.find("Warning"), std::string::npos);
  EXPECT_EQ(server.Cli({"entry", "count"}).out, "1 registration entry\n");
  EXPECT_EQ(server.Cli({"token", "generate", "-ttl", "0"}).exit_code, 1);

  // Every admin call left an audit line with the caller's uid and pid.
  server.Stop();
  std::string log = server.process().Stdout() + server.process().Stderr();
  EXPECT_NE(log.find("msg=\"API accessed\""), std::string::npos);
  EXPECT_NE(log.find("method=CreateJoinToken"), std::string::npos);
  EXPECT_NE(log.find("caller_uid="), std::string::npos);
  EXPECT_NE(log.find("caller_pid="), std::string::npos);
  EXPECT_NE(log.find("status=error status_code=NotFound"), std::string::npos);
}

TEST(ServerRunTest, ConfigErrorsStopTheServerWithOneClearLine) {
  TempDir dir;
  dstart::testing::WriteFile(dir / "bad.conf",
                             "server {\n  trust_domain = \"x.org\"\n  unknown_thing = 1\n}\n");
  auto r = RunCommand({dstart::testing::DstartBinary(), "server", "run", "-config",
                       (dir / "bad.conf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown_thing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":3:"), std::string::npos) << r.err;

  // A -trustDomain flag overrides the file; a missing trust domain is named.
  dstart::testing::WriteFile(dir / "empty.conf", "server {\n}\n");
  r = RunCommand({dstart::testing::DstartBinary(), "server", "run", "-config",
                  (dir / "empty.conf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("trust_domain"), std::string::npos) << r.err;
  dstart::testing::WriteFile(dir / "good.conf", "server {\n trust_domain = \"x.org\"\n}\n");
  r = RunCommand({dstart::testing::DstartBinary(), "server", "run", "-config",
                  (dir / "good.conf").string(), "-trustDomain", "Bad Domain"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("trust_domain \"Bad Domain\""), std::string::npos) << r.err;

  dstart::testing::WriteFile(
      dir / "ukey.conf",
      "server {\n trust_domain = \"x.org\"\n data_dir = \"" + (dir / "d").string() +
          "\"\n socket_path = \"" + (dir / "s.sock").string() +
          "\"\n}\nplugins {\n UpstreamAuthority \"disk\" {\n plugin_data {\n cert_file_path = "
          "\"/nonexistent/ca.crt\"\n key_file_path = \"/nonexistent/ca.key\"\n }\n }\n}\n");
  r = RunCommand({dstart::testing::DstartBinary(), "server", "run", "-config",
                  (dir / "ukey.conf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cert_file_path"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dstart::server::testing
