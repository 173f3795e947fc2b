// End to end: a real `dstart secretstore run` (init, unseal, kv v1, userpass, OIDC key, the
// bootstrapper's secrets), a Workload API endpoint in this process handing the token provider its
// SVID, and real `dstart token-provider run` processes (token-role and userpass strategies).
// Clients are curl and openssl with SVIDs issued by the test's CA; every check of the provider
// gets a test that tries to get past it.
#include <gtest/gtest.h>

#include "tokenprovider/stack.h"

namespace dstart::tokenprovider {
namespace {

using namespace dstart::tokenprovider::testing;  // NOLINT: the stack's helpers

class TokenProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->Start();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  static Stack* stack_;
};
Stack* TokenProviderTest::stack_ = nullptr;

void ExpectTokenScopedTo(Stack& s, const std::string& token, const std::string& key,
                         const std::string& secret, const std::string& expected_password) {
  json data;
  EXPECT_EQ(s.StoreRead(token, "secret/edgex/" + key + "/" + secret, &data), 200) << data.dump();
  EXPECT_EQ(data["data"]["password"], expected_password);
  EXPECT_EQ(s.StoreRead(token, "secret/edgex/core-metadata/redisdb"), 403);
  EXPECT_EQ(s.StoreRead(token, "secret/edgex/security-bootstrapper-redis/redisdb"), 403);
}

TEST_F(TokenProviderTest, TokenRoleRawTokenReadsOwnPartitionOnly) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-data");
  Reply r = s.GetToken(cert, {"service_key=core-data", "known_secret_names=redisdb, postgres"});
  ASSERT_EQ(r.code, 200) << r.body << s.ProviderLog("token-role");
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(r.body.find('{'), std::string::npos);  // raw token, not JSON
  ExpectTokenScopedTo(s, r.body, "core-data", "redisdb", "redis-secret");
  ExpectTokenScopedTo(s, r.body, "core-data", "postgres", "pg-secret");
  // The token is renewable with EdgeX's 1 h period and carries the service's policy.
  int status = 0;
  json self = s.Store("GET", "auth/token/lookup-self", r.body, json(), &status);
  EXPECT_EQ(status, 200) << self.dump();
  EXPECT_EQ(self["data"]["renewable"], true);
  EXPECT_EQ(self["data"]["period"], 3600);
  std::string log = s.ProviderLog("token-role");
  EXPECT_NE(log.find("msg=\"token granted\""), std::string::npos) << log;
  EXPECT_NE(log.find("svid=spiffe://edgexfoundry.org/service/core-data"), std::string::npos);
  EXPECT_NE(log.find("msg=\"successfully got raw token\""), std::string::npos);
}

TEST_F(TokenProviderTest, UserpassSequenceGivesTheLoginJson) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/support-notifications");
  std::vector<std::string> extra = {"--data-urlencode", "known_secret_names=message-bus"};
  Reply r = s.Curl(s.userpass_port(), cert, extra, "/api/v3/gettoken");
  ASSERT_EQ(r.code, 200) << r.body << s.ProviderLog("userpass");
  json login = json::parse(r.body);
  std::string token = login["auth"]["client_token"];
  EXPECT_FALSE(token.empty());
  ExpectTokenScopedTo(s, token, "support-notifications", "message-bus", "bus-secret");
  // The userpass user exists, as EdgeX's sequence leaves it.
  int status = 0;
  s.Store("GET", "auth/userpass/users/support-notifications", s.root(), json(), &status);
  EXPECT_EQ(status, 200);
}

TEST_F(TokenProviderTest, DeviceInstanceAndConfigurableAppKeysGetTheirOwnPartition) {
  Stack& s = *stack_;
  std::string dev = s.ClientSvid("spiffe://edgexfoundry.org/service/device-virtual");
  Reply r = s.GetToken(dev, {"service_key=device-virtual-2", "known_secret_names=redisdb"});
  ASSERT_EQ(r.code, 200) << r.body;
  ExpectTokenScopedTo(s, r.body, "device-virtual-2", "redisdb", "redis-secret");
  std::string asc = s.ClientSvid("spiffe://edgexfoundry.org/service/app-service-configurable");
  r = s.GetToken(asc, {"service_key=app-foo", "known_secret_names=redisdb"});
  ASSERT_EQ(r.code, 200) << r.body;
  // The token is minted for app-foo, where the secrets went (EdgeX minted it for the SVID name).
  ExpectTokenScopedTo(s, r.body, "app-foo", "redisdb", "redis-secret");
  EXPECT_EQ(s.StoreRead(r.body, "secret/edgex/app-service-configurable/redisdb"), 403);
}

TEST_F(TokenProviderTest, EmptyKeyMeansTheSvidName) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-command");
  Reply r = s.GetToken(cert, {"known_secret_names=redisdb"});
  ASSERT_EQ(r.code, 200) << r.body;
  ExpectTokenScopedTo(s, r.body, "core-command", "redisdb", "redis-secret");
}

TEST_F(TokenProviderTest, ServiceAAskingForServiceBsKeyIsRefused) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-data");
  Reply r = s.GetToken(cert, {"service_key=core-metadata"});
  EXPECT_EQ(r.code, 400);
  EXPECT_NE(r.body.find("core-metadata"), std::string::npos) << r.body;
  std::string evil = s.ClientSvid("spiffe://edgexfoundry.org/service/app-service-configurable-x");
  EXPECT_EQ(s.GetToken(evil, {"service_key=app-rules-engine"}).code, 400);
  std::string dev = s.ClientSvid("spiffe://edgexfoundry.org/service/device-virtual");
  EXPECT_EQ(s.GetToken(dev, {"service_key=device-modbus"}).code, 400);
}

TEST_F(TokenProviderTest, IdsOutsideServiceAreRefused) {
  Stack& s = *stack_;
  for (const char* id : {"spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0",
                         "spiffe://edgexfoundry.org/service/core-data/extra"}) {
    Reply r = s.GetToken(s.ClientSvid(id), {});
    EXPECT_EQ(r.code, 400) << id;
    EXPECT_NE(r.body.find("Invalid Spiffe SVID format"), std::string::npos) << r.body;
  }
}

TEST_F(TokenProviderTest, NoClientCertificateIsRefusedInTheHandshake) {
  Stack& s = *stack_;
  Reply r = s.GetToken("", {"service_key=core-data"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.curl_exit, 0);
}

TEST_F(TokenProviderTest, AnotherCaOfTheSameTrustDomainIsRefused) {
  Stack& s = *stack_;
  Ca rogue("edgexfoundry.org");
  std::string cert =
      s.WriteSvid("rogue", rogue.Issue("spiffe://edgexfoundry.org/service/core-data"));
  Reply r = s.GetToken(cert, {"service_key=core-data"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.curl_exit, 0);
  EXPECT_NE(s.ProviderLog("token-role").find("client certificate refused"), std::string::npos);
}

TEST_F(TokenProviderTest, AnotherTrustDomainIsRefused) {
  Stack& s = *stack_;
  Ca other("other.org");
  std::string cert = s.WriteSvid("other", other.Issue("spiffe://other.org/service/core-data"));
  EXPECT_EQ(s.GetToken(cert, {"service_key=core-data"}).code, 0);
}

TEST_F(TokenProviderTest, SelfSignedLeafIsRefused) {
  Stack& s = *stack_;
  auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
  auto leaf = Must(crypto::SelfSignCertificate(
      crypto::X509SvidTemplate("spiffe://edgexfoundry.org/service/core-data", {},
                               std::chrono::system_clock::now(), std::chrono::hours(1)),
      key));
  WriteFile(s.dir() / "self.pem", leaf.ToPem());
  WriteFile(s.dir() / "self.key", Must(spiffe::X509Svid::FromParts({leaf}, key)).KeyPkcs8Pem());
  EXPECT_EQ(s.GetToken((s.dir() / "self").string(), {"service_key=core-data"}).code, 0);
}

TEST_F(TokenProviderTest, Tls12IsRefused) {
  Stack& s = *stack_;
  Reply r =
      s.Curl(s.token_role_port(), s.ping_cert(), {"--tlsv1.2", "--tls-max", "1.2"}, "/api/v3/ping");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.curl_exit, 0);
  EXPECT_EQ(s.Curl(s.token_role_port(), s.ping_cert(), {"--tlsv1.3"}, "/api/v3/ping").code, 200);
}

TEST_F(TokenProviderTest, MethodsPathsAndBodyLimit) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-data");
  Reply get = s.Curl(s.token_role_port(), cert, {}, "/api/v3/gettoken");
  EXPECT_EQ(get.code, 405);
  EXPECT_NE(get.body.find("only allow POST method"), std::string::npos);
  Reply ping = s.Curl(s.token_role_port(), cert, {}, "/api/v3/ping");
  EXPECT_EQ(ping.code, 200);
  EXPECT_EQ(ping.body, "pong");
  Reply version = s.Curl(s.token_role_port(), cert, {}, "/api/v3/version");
  EXPECT_EQ(version.code, 200);
  EXPECT_EQ(json::parse(version.body)["apiVersion"], "v3");
  EXPECT_EQ(s.Curl(s.token_role_port(), cert, {"-X", "POST"}, "/api/v3/ping").code, 405);
  EXPECT_EQ(s.Curl(s.token_role_port(), cert, {}, "/api/v3/nothing").code, 404);
  WriteFile(s.dir() / "big.txt", "service_key=core-data&x=" + std::string(70 * 1024, 'a'));
  Reply big = s.Curl(s.token_role_port(), cert,
                     {"--data-binary", "@" + (s.dir() / "big.txt").string()}, "/api/v3/gettoken");
  EXPECT_EQ(big.code, 413);
  // A malformed form is a 400 naming the parse error.
  Reply bad =
      s.Curl(s.token_role_port(), cert, {"--data-binary", "service_key=%zz"}, "/api/v3/gettoken");
  EXPECT_EQ(bad.code, 400);
  EXPECT_NE(bad.body.find("could not parse form"), std::string::npos) << bad.body;
}

TEST_F(TokenProviderTest, UnknownKnownSecretIsSkippedWithAWarning) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-keeper");
  Reply r = s.GetToken(cert, {"known_secret_names=redisdb,nosuch"});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_NE(s.ProviderLog("token-role").find("unrecognized known secret requested: nosuch"),
            std::string::npos);
}

TEST_F(TokenProviderTest, ClientHoldingItsHeadersIsDisconnected) {
  Stack& s = *stack_;
  std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-data");
  // -ign_eof keeps s_client connected after its (empty) input ends: only the server can close.
  auto r = RunCommand({"openssl", "s_client", "-quiet", "-ign_eof", "-connect",
                       "127.0.0.1:" + std::to_string(s.token_role_port()), "-cert", cert + ".pem",
                       "-key", cert + ".key", "-CAfile", (s.dir() / "bundle.pem").string()},
                      {}, "", std::chrono::seconds(20));
  EXPECT_LT(r.exit_code, 128) << "still connected after 20 s";
}

TEST_F(TokenProviderTest, PerSvidRateLimit) {
  Stack& s = *stack_;
  int port = s.StartProvider("limited", {"TOKENCONFIG_RATELIMITPERMINUTE=2"});
  std::string a = s.ClientSvid("spiffe://edgexfoundry.org/service/support-scheduler");
  EXPECT_EQ(s.GetToken(a, {}, port).code, 200);
  EXPECT_EQ(s.GetToken(a, {}, port).code, 200);
  Reply third = s.GetToken(a, {}, port);
  EXPECT_EQ(third.code, 429);
  EXPECT_NE(third.body.find("rate limit"), std::string::npos);
  // Another SVID has its own allowance.
  std::string b = s.ClientSvid("spiffe://edgexfoundry.org/service/core-metadata");
  EXPECT_EQ(s.GetToken(b, {}, port).code, 200);
}

TEST_F(TokenProviderTest, ServerSvidRotatesWithoutRestart) {
  Stack& s = *stack_;
  auto serial = [&] {
    auto r =
        RunCommand({"sh", "-c",
                    "openssl s_client -connect 127.0.0.1:" + std::to_string(s.token_role_port()) +
                        " -cert " + s.ping_cert() + ".pem -key " + s.ping_cert() +
                        ".key </dev/null 2>/dev/null | openssl x509 -noout -serial"});
    return r.out;
  };
  std::string before = serial();
  ASSERT_NE(before.find("serial="), std::string::npos) << before;
  const std::string id = "spiffe://edgexfoundry.org/service/security-spiffe-token-provider";
  auto rotated = s.ca().Issue(id, {"localhost"});
  ASSERT_TRUE(s.cache().SetSvid("0-token-provider", rotated).ok());
  std::string want = "serial=" + rotated.leaf().SerialHex();
  EXPECT_TRUE(WaitFor(
      [&] {
        std::string now = serial();
        for (char& c : now) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return now.find(want) != std::string::npos;
      },
      std::chrono::seconds(10)))
      << before;
  EXPECT_EQ(s.Curl(s.token_role_port(), s.ping_cert(), {}, "/api/v3/ping").code, 200);
}

TEST_F(TokenProviderTest, OptInPlainHealthPortServesOnlyPing) {
  Stack& s = *stack_;
  int health = FreeTcpPort();
  s.StartProvider("health", {"SERVICE_HEALTHPORT=" + std::to_string(health)});
  std::string base = "http://127.0.0.1:" + std::to_string(health);
  auto ping = RunCommand({"curl", "-sS", base + "/api/v3/ping"});
  EXPECT_EQ(ping.out, "pong") << ping.err;
  auto token = RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                           base + "/api/v3/gettoken?service_key=core-data"});
  EXPECT_EQ(token.out, "404");
  // No request bodies at all on this port.
  auto body = RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-d",
                          "service_key=core-data", base + "/api/v3/gettoken"});
  EXPECT_EQ(body.out, "413");
  EXPECT_NE(s.ProviderLog("health").find("Health check request received"), std::string::npos);
}

TEST(TokenProviderCommandTest, BadConfigAndArguments) {
  TempDir dir;
  WriteFile(dir / "configuration.yaml", "TokenConfig:\n  MintStrategy: nope\n");
  auto r = RunCommand({DstartBinary(), "token-provider", "run", "-c", dir.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TokenConfig.MintStrategy"), std::string::npos) << r.err;
  EXPECT_EQ(RunCommand({DstartBinary(), "token-provider", "run", "--bogus"}).exit_code, 2);
  EXPECT_EQ(RunCommand({DstartBinary(), "token-provider", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace dstart::tokenprovider
