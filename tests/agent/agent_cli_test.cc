// The spire-agent Workload API commands against a real endpoint on a temporary socket.
#include "agent/cli/agent_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/workloadapi/endpoint.h"
#include "agent/workloadattestor/unix/unix_attestor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"
#include "test_pki.h"

namespace dstart::agent::cli {
namespace {

using ::testing::HasSubstr;
using workloadapi::Must;

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

class AgentCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("SPIFFE_ENDPOINT_SOCKET");
    socket_path_ = (dir_ / "agent" / "public" / "api.sock").string();
    cache_ = pki_.MakeCache();
    workloadapi::EndpointOptions options;
    options.socket_path = socket_path_;
    options.attestors = {std::make_shared<workloadattestor::UnixAttestor>(
        workloadattestor::UnixAttestorConfig{}, proc_)};
    options.cache = cache_;
    options.stream_poll = std::chrono::milliseconds(50);
    endpoint_ = Must(workloadapi::Endpoint::Start(std::move(options)));
  }

  CliRun Cli(std::vector<std::string> args, const std::atomic<bool>* stop = nullptr) {
    std::ostringstream out, err;
    int code = RunWorkloadApiCommand(args, {out, err, stop});
    return {code, out.str(), err.str()};
  }

  void AddMyEntry(const std::string& entry_id, const std::string& id) {
    pki_.AddEntry(*cache_, entry_id, id, {"unix:uid:" + std::to_string(geteuid())});
  }

  testing::TempDir dir_;
  std::string socket_path_;
  workloadapi::TestPki pki_;
  std::shared_ptr<workloadapi::StaticIdentityCache> cache_;
  workloadattestor::RealProcessInfo proc_{"/proc"};
  std::unique_ptr<workloadapi::Endpoint> endpoint_;
};

mode_t Mode(const std::filesystem::path& p) {
  struct stat st;
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST_F(AgentCliTest, FetchX509WritesFilesThatOpensslAccepts) {
  AddMyEntry("1", "spiffe://edgexfoundry.org/service/device-virtual");
  auto out_dir = dir_ / "out";
  std::filesystem::create_directories(out_dir);
  CliRun r = Cli({"api", "fetch", "x509", "-socketPath", socket_path_, "-write", out_dir.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("Received 1 svid after "));
  EXPECT_THAT(r.out, HasSubstr("\n\nSPIFFE ID:\t\tspiffe://edgexfoundry.org/service/device-virtual\n"
                               "SVID Valid After:\t"));
  EXPECT_THAT(r.out, HasSubstr(" +0000 UTC\nSVID Valid Until:\t"));
  EXPECT_THAT(r.out, HasSubstr("CA #1 Valid After:\t"));
  EXPECT_THAT(r.out, HasSubstr("Writing SVID #0 to file " + (out_dir / "svid.0.pem").string() + ".\n"));
  EXPECT_THAT(r.out, HasSubstr("Writing key #0 to file " + (out_dir / "svid.0.key").string() + ".\n"));
  EXPECT_THAT(r.out,
              HasSubstr("Writing bundle #0 to file " + (out_dir / "bundle.0.pem").string() + ".\n"));
  EXPECT_EQ(Mode(out_dir / "svid.0.pem"), 0644u);
  EXPECT_EQ(Mode(out_dir / "svid.0.key"), 0600u);
  EXPECT_EQ(Mode(out_dir / "bundle.0.pem"), 0644u);
  EXPECT_THAT(testing::ReadFile(out_dir / "svid.0.key"), HasSubstr("-----BEGIN PRIVATE KEY-----"));

  auto verify = testing::RunCommand({"openssl", "verify", "-CAfile",
                                     (out_dir / "bundle.0.pem").string(),
                                     (out_dir / "svid.0.pem").string()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  auto cert_pub = testing::RunCommand(
      {"openssl", "x509", "-noout", "-pubkey", "-in", (out_dir / "svid.0.pem").string()});
  auto key_pub = testing::RunCommand(
      {"openssl", "pkey", "-pubout", "-in", (out_dir / "svid.0.key").string()});
  ASSERT_EQ(cert_pub.exit_code, 0);
  ASSERT_EQ(key_pub.exit_code, 0);
  EXPECT_EQ(cert_pub.out, key_pub.out);

  // curl presents the written SVID to a TLS server that demands a client certificate from the
  // bundle's CA; without it the handshake is refused.
  int port = testing::FreeTcpPort();
  testing::Process server("s_server",
                          {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port),
                           "-cert", (out_dir / "svid.0.pem").string(), "-key",
                           (out_dir / "svid.0.key").string(), "-CAfile",
                           (out_dir / "bundle.0.pem").string(), "-Verify", "1", "-www"},
                          dir_.path());
  std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";
  testing::CommandResult with_cert;
  ASSERT_TRUE(testing::WaitFor([&] {
    with_cert = testing::RunCommand({"curl", "-sS", "-k", "--cert", (out_dir / "svid.0.pem").string(),
                                     "--key", (out_dir / "svid.0.key").string(), url});
    return with_cert.exit_code == 0;
  })) << with_cert.err << server.Stderr() << server.Stdout();
  EXPECT_THAT(with_cert.out, HasSubstr("Client certificate"));
  auto without = testing::RunCommand({"curl", "-sS", "-k", url});
  EXPECT_NE(without.exit_code, 0);
}

TEST_F(AgentCliTest, FetchX509SilentAndJson) {
  AddMyEntry("1", "spiffe://edgexfoundry.org/service/a");
  CliRun silent = Cli({"api", "fetch", "x509", "-socketPath=" + socket_path_, "-silent"});
  EXPECT_EQ(silent.code, 0);
  EXPECT_EQ(silent.out, "");
  CliRun json = Cli({"api", "fetch", "-socketPath", socket_path_, "-output", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["svids"][0]["spiffe_id"], "spiffe://edgexfoundry.org/service/a");
  EXPECT_TRUE(doc["federated_bundles"].is_object());
  EXPECT_EQ(json.out.back(), '\n');
  CliRun bad = Cli({"api", "fetch", "x509", "-socketPath", socket_path_, "-output", "yaml"});
  EXPECT_EQ(bad.code, 1);
}

TEST_F(AgentCliTest, NoIdentityPrintsTheRpcError) {
  CliRun r = Cli({"api", "fetch", "x509", "-socketPath", socket_path_});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "rpc error: code = PermissionDenied desc = no identity issued\n");
}

TEST_F(AgentCliTest, SpiffeEndpointSocketIsUsedWithoutSocketPath) {
  AddMyEntry("1", "spiffe://edgexfoundry.org/service/a");
  ::setenv("SPIFFE_ENDPOINT_SOCKET", ("unix://" + socket_path_).c_str(), 1);
  CliRun r = Cli({"api", "fetch", "x509"});
  ::unsetenv("SPIFFE_ENDPOINT_SOCKET");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("spiffe://edgexfoundry.org/service/a"));
  // An explicit -socketPath wins over the environment.
  ::setenv("SPIFFE_ENDPOINT_SOCKET", "unix:///nonexistent/api.sock", 1);
  CliRun explicit_path = Cli({"api", "fetch", "x509", "-socketPath", socket_path_});
  ::unsetenv("SPIFFE_ENDPOINT_SOCKET");
  EXPECT_EQ(explicit_path.code, 0) << explicit_path.err;
}

TEST_F(AgentCliTest, AbsentAgentIsUnavailableAndTimeoutIsParsed) {
  CliRun r = Cli({"api", "fetch", "x509", "-socketPath", (dir_ / "none.sock").string(), "-timeout",
               "1s"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("rpc error: code = Unavailable"));
  CliRun bad = Cli({"api", "fetch", "x509", "-timeout", "soon"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("-timeout"));
}

TEST_F(AgentCliTest, FlagErrors) {
  CliRun unknown = Cli({"api", "fetch", "x509", "-nope"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("flag provided but not defined: -nope"));
  CliRun missing = Cli({"api", "fetch", "x509", "-socketPath"});
  EXPECT_THAT(missing.err, HasSubstr("flag needs an argument: -socketPath"));
  CliRun boolean = Cli({"api", "fetch", "x509", "-silent=maybe"});
  EXPECT_THAT(boolean.err, HasSubstr("invalid boolean value"));
  CliRun positional = Cli({"api", "fetch", "x509", "extra"});
  EXPECT_THAT(positional.err, HasSubstr("unexpected argument \"extra\""));
  CliRun command = Cli({"api", "frobnicate"});
  EXPECT_EQ(command.code, 127);
  EXPECT_THAT(command.err, HasSubstr("api fetch x509"));
}

TEST_F(AgentCliTest, FetchAndValidateJwt) {
  AddMyEntry("1", "spiffe://edgexfoundry.org/service/a");
  CliRun r = Cli({"api", "fetch", "jwt", "-socketPath", socket_path_, "-audience", "tp,other"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("token(spiffe://edgexfoundry.org/service/a):\n\t"));
  EXPECT_THAT(r.out, HasSubstr("bundle(spiffe://edgexfoundry.org):\n\t{\"keys\":[{"));
  std::string token = r.out.substr(r.out.find("\n\t") + 2);
  token = token.substr(0, token.find('\n'));
  CliRun ok = Cli({"api", "validate", "jwt", "-socketPath", socket_path_, "-audience", "tp", "-svid",
                token});
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, ::testing::StartsWith("SVID is valid.\nSPIFFE ID : "
                                            "spiffe://edgexfoundry.org/service/a\nClaims    : {"));
  CliRun wrong = Cli({"api", "validate", "jwt", "-socketPath", socket_path_, "-audience", "nobody",
                   "-svid", token});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("rpc error: code = InvalidArgument"));
  CliRun no_aud = Cli({"api", "fetch", "jwt", "-socketPath", socket_path_});
  EXPECT_EQ(no_aud.code, 1);
  EXPECT_THAT(no_aud.err, HasSubstr("audience must be specified"));
  CliRun other_id = Cli({"api", "fetch", "jwt", "-socketPath", socket_path_, "-audience", "x",
                      "-spiffeID", "spiffe://edgexfoundry.org/service/other"});
  EXPECT_EQ(other_id.err, "rpc error: code = PermissionDenied desc = no identity issued\n");
}

TEST_F(AgentCliTest, WatchPrintsEveryUpdate) {
  AddMyEntry("1", "spiffe://edgexfoundry.org/service/a");
  std::atomic<bool> stop{false};
  std::ostringstream out, err;
  int code = -1;
  std::thread watcher([&] {
    code = RunWorkloadApiCommand({"api", "watch", "-socketPath", socket_path_}, {out, err, &stop});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE(cache_->SetSvid("1", pki_.Issue("spiffe://edgexfoundry.org/service/a")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  watcher.join();
  EXPECT_EQ(code, 0) << err.str();
  std::string text = out.str();
  size_t first = text.find("Received 1 svid after");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_NE(text.find("Received 1 svid after", first + 1), std::string::npos) << text;
}

TEST_F(AgentCliTest, Healthcheck) {
  CliRun ok = Cli({"healthcheck", "-socketPath", socket_path_});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "Agent is healthy.\n");
  endpoint_->Stop();
  CliRun down = Cli({"healthcheck", "-socketPath", socket_path_});
  EXPECT_EQ(down.code, 1);
  EXPECT_EQ(down.err, "Agent is unhealthy: unable to determine health\n");
}

}  // namespace
}  // namespace dstart::agent::cli
