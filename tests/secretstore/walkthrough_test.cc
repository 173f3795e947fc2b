// End-to-end tests against the real `dstart secretstore run`, driven with the curl binary as an
// operator or EdgeX's HTTP client would (spec/secretstore.md §1, §2, §6).
#include <signal.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "common/http/http.h"
#include "nlohmann/json.hpp"
#include "support/process.h"

namespace dstart::secretstore {
namespace {

using json = nlohmann::json;
using dstart::testing::DstartBinary;
using dstart::testing::FreeTcpPort;
using dstart::testing::Process;
using dstart::testing::RunCommand;
using dstart::testing::TempDir;
using dstart::testing::WaitFor;
using dstart::testing::WriteFile;

struct Reply {
  int code = 0;
  json body;
  std::string raw;
};

class Store {
 public:
  explicit Store(const TempDir& dir) : dir_(dir), port_(FreeTcpPort()) {
    WriteFile(dir / "config.hcl", "listener \"tcp\" {\n  address = \"127.0.0.1:" + std::to_string(port_) +
                                      "\"\n  tls_disable = \"true\"\n}\n"
                                      "storage \"sqlite\" {\n  path = \"" + (dir / "store.db").string() +
                                      "\"\n}\ndefault_lease_ttl = \"168h\"\nmax_lease_ttl = \"720h\"\n"
                                      "audit_file = \"" + (dir / "audit.log").string() + "\"\n");
    Start();
  }
  void Start() {
    process_ = std::make_unique<Process>(
        "secretstore", std::vector<std::string>{DstartBinary(), "secretstore", "run", "-config",
                                                (dir_ / "config.hcl").string()},
        dir_.path());
    EXPECT_TRUE(WaitFor([&] { return Curl("GET", "sys/health").code != 0; })) << process_->Stderr();
  }
  void Kill() { process_->Stop(SIGKILL); }

  // curl -X METHOD; `body` is sent without a Content-Type header unless `content_type` is set.
  Reply Curl(const std::string& method, const std::string& path, const std::string& token = "",
             const std::string& body = "", bool content_type = false) {
    std::vector<std::string> argv = {"curl", "-sS", "-X", method, "-w", "\n%{http_code}"};
    if (!token.empty()) argv.insert(argv.end(), {"-H", "X-Vault-Token: " + token});
    if (!body.empty()) {
      argv.insert(argv.end(), {"--data-binary", body});
      argv.insert(argv.end(), {"-H", content_type ? "Content-Type: application/json" : "Content-Type:"});
    }
    argv.push_back("http://127.0.0.1:" + std::to_string(port_) + "/v1/" + path);
    auto r = RunCommand(argv);
    Reply out;
    size_t nl = r.out.rfind('\n');
    if (r.exit_code != 0 || nl == std::string::npos) return out;
    out.code = std::atoi(r.out.c_str() + nl + 1);
    out.raw = r.out.substr(0, nl);
    if (!out.raw.empty()) out.body = json::parse(out.raw, nullptr, false);
    return out;
  }
  int port() const { return port_; }

 private:
  const TempDir& dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// init (5, 3) and unseal with three base64 shares; returns the init response.
json InitAndUnseal(Store& s) {
  Reply init = s.Curl("POST", "sys/init", "", R"({"secret_shares":5,"secret_threshold":3})", true);
  EXPECT_EQ(init.code, 200) << init.raw;
  EXPECT_EQ(init.body["keys"].size(), 5u);
  EXPECT_EQ(init.body["keys_base64"].size(), 5u);
  EXPECT_EQ(init.body["keys"][0].get<std::string>().size(), 66u);  // 33-byte shares.
  for (int i = 0; i < 3; ++i) {
    Reply u = s.Curl("POST", "sys/unseal", "",
                     json{{"key", init.body["keys_base64"][i]}, {"reset", false}}.dump(), true);
    EXPECT_EQ(u.code, 200) << u.raw;
    EXPECT_EQ(u.body["sealed"], i < 2);
    EXPECT_EQ(u.body["t"], 3);
    EXPECT_EQ(u.body["n"], 5);
    EXPECT_EQ(u.body["progress"], i < 2 ? i + 1 : 0);
  }
  return init.body;
}

TEST(SecretstoreWalkthroughTest, OperatorAndServiceFlowWithCurl) {
  TempDir dir;
  Store s(dir);
  EXPECT_EQ(s.Curl("GET", "sys/health?standbyok=true&perfstandbyok=true").code, 501);
  json init = InitAndUnseal(s);
  std::string root = init["root_token"];
  EXPECT_EQ(root.rfind("s.", 0), 0u);
  Reply health = s.Curl("GET", "sys/health?standbyok=true&perfstandbyok=true");
  EXPECT_EQ(health.code, 200);
  EXPECT_EQ(health.body["initialized"], true);
  EXPECT_EQ(health.body["sealed"], false);

  // Mount KV v1 at secret/ (B19) and check it through sys/mounts (B18).
  EXPECT_EQ(s.Curl("POST", "sys/mounts/secret", root,
                   R"({"type":"kv","description":"key/value secret storage","options":{"version":"1"}})", true).code,
            204);
  Reply mounts = s.Curl("GET", "sys/mounts", root);
  EXPECT_EQ(mounts.code, 200);
  EXPECT_EQ(mounts.body["data"]["secret/"]["type"], "kv");
  EXPECT_EQ(mounts.body["data"]["secret/"]["options"]["version"], "1");

  // A policy in HCL and one in JSON (B12).
  const std::string hcl =
      "# the application's own area\n"
      "path \"secret/app/*\" {\n  capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]\n}\n";
  EXPECT_EQ(s.Curl("PUT", "sys/policies/acl/app-hcl", root, json{{"policy", hcl}}.dump(), true).code, 204);
  const std::string js = R"({"path":{"secret/shared/config":{"capabilities":["read"]}}})";
  EXPECT_EQ(s.Curl("PUT", "sys/policies/acl/app-json", root, json{{"policy", js}}.dump(), true).code, 204);
  Reply pol = s.Curl("GET", "sys/policies/acl/app-hcl", root);
  EXPECT_EQ(pol.code, 200);
  EXPECT_EQ(pol.body["data"]["policy"], hcl);

  // userpass (B14, B15, B22).
  EXPECT_EQ(s.Curl("POST", "sys/auth/userpass", root, R"({"type":"userpass"})", true).code, 204);
  Reply auths = s.Curl("GET", "sys/auth", root);
  EXPECT_EQ(auths.body["data"]["userpass/"]["type"], "userpass");
  EXPECT_FALSE(auths.body["data"]["userpass/"]["accessor"].get<std::string>().empty());
  EXPECT_EQ(s.Curl("POST", "auth/userpass/users/alice", root,
                   R"({"password":"correct horse","token_period":"1h","token_policies":["app-hcl","app-json"]})",
                   true).code,
            204);
  EXPECT_EQ(s.Curl("POST", "secret/shared/config", root, R"({"url":"redis://db"})").code, 204);

  // Log in (B26).
  EXPECT_EQ(s.Curl("POST", "auth/userpass/login/alice", "", R"({"password":"wrong"})").code, 400);
  Reply login = s.Curl("POST", "auth/userpass/login/alice", "", R"({"password":"correct horse"})", true);
  ASSERT_EQ(login.code, 200) << login.raw;
  std::string token = login.body["auth"]["client_token"];
  EXPECT_EQ(login.body["auth"]["lease_duration"], 3600);
  EXPECT_EQ(login.body["auth"]["renewable"], true);
  EXPECT_EQ(login.body["auth"]["orphan"], true);
  EXPECT_EQ(login.body["auth"]["metadata"]["username"], "alice");
  EXPECT_FALSE(login.body["auth"]["entity_id"].get<std::string>().empty());
  EXPECT_EQ(login.body["auth"]["token_policies"], json({"app-hcl", "app-json", "default"}));

  // Write (no Content-Type, as EdgeX's KV client), read and list as alice.
  EXPECT_EQ(s.Curl("POST", "secret/app/db", token, R"({"username":"app","password":"s3cret-v@lue"})").code, 204);
  Reply read = s.Curl("GET", "secret/app/db", token);
  EXPECT_EQ(read.code, 200);
  EXPECT_EQ(read.body["data"]["password"], "s3cret-v@lue");
  EXPECT_EQ(s.Curl("POST", "secret/app/sub/x", token, R"({"a":"b"})").code, 204);
  Reply list = s.Curl("LIST", "secret/app", token);
  EXPECT_EQ(list.code, 200) << list.raw;
  EXPECT_EQ(list.body["data"]["keys"], json({"db", "sub/"}));
  EXPECT_EQ(s.Curl("GET", "secret/app?list=true", token).body["data"]["keys"], json({"db", "sub/"}));
  EXPECT_EQ(s.Curl("GET", "secret/shared/config", token).code, 200);
  EXPECT_EQ(s.Curl("GET", "secret/app/missing", token).code, 404);
  // Outside its policy.
  EXPECT_EQ(s.Curl("POST", "secret/shared/config", token, R"({"url":"x"})").code, 403);
  EXPECT_EQ(s.Curl("GET", "secret/other", token).code, 403);
  EXPECT_EQ(s.Curl("GET", "sys/mounts", token).code, 403);
  Reply denied = s.Curl("GET", "secret/other", token);
  EXPECT_EQ(denied.body["errors"][0], "permission denied");

  // lookup-self shows the period (A1); renew-self resets the TTL (A2).
  Reply self = s.Curl("GET", "auth/token/lookup-self", token);
  ASSERT_EQ(self.code, 200);
  EXPECT_EQ(self.body["data"]["period"], 3600);
  EXPECT_EQ(self.body["data"]["renewable"], true);
  EXPECT_LE(self.body["data"]["ttl"].get<int>(), 3600);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  int before = s.Curl("GET", "auth/token/lookup-self", token).body["data"]["ttl"];
  EXPECT_LT(before, 3600);
  Reply renew = s.Curl("POST", "auth/token/renew-self", token);
  EXPECT_EQ(renew.code, 200) << renew.raw;
  EXPECT_EQ(renew.body["auth"]["lease_duration"], 3600);
  int after = s.Curl("GET", "auth/token/lookup-self", token).body["data"]["ttl"];
  EXPECT_GT(after, before);

  // revoke-self (B7) and the token is dead.
  EXPECT_EQ(s.Curl("POST", "auth/token/revoke-self", token).code, 204);
  EXPECT_EQ(s.Curl("GET", "auth/token/lookup-self", token).code, 403);
  EXPECT_EQ(s.Curl("GET", "secret/app/db", token).code, 403);

  // The audit log holds the value only as its HMAC (sys/audit-hash gives the same HMAC).
  Reply hash = s.Curl("POST", "sys/audit-hash/file", root, R"({"input":"s3cret-v@lue"})");
  ASSERT_EQ(hash.code, 200) << hash.raw;
  std::string hmac = hash.body["data"]["hash"];
  EXPECT_EQ(hmac.rfind("hmac-sha256:", 0), 0u);
  std::string audit_now = dstart::testing::ReadFile(dir / "audit.log");
  EXPECT_NE(audit_now.find(hmac), std::string::npos);
  EXPECT_GT(std::count(audit_now.begin(), audit_now.end(), '\n'), 20);
  EXPECT_EQ(s.Curl("POST", "sys/audit-hash/file", token, R"({"input":"x"})").code, 403);

  // Sealed: every non-sys call answers 503.
  EXPECT_EQ(s.Curl("PUT", "sys/seal", root).code, 204);
  EXPECT_EQ(s.Curl("GET", "sys/health").code, 503);
  for (const char* path : {"secret/app/db", "auth/token/lookup-self", "identity/entity/name/x",
                           "auth/userpass/login/alice", "sys/mounts", "sys/policies/acl/app-hcl"}) {
    EXPECT_EQ(s.Curl("GET", path, root).code, 503) << path;
  }
  EXPECT_EQ(s.Curl("POST", "auth/userpass/login/alice", "", R"({"password":"correct horse"})").code, 503);
  Reply status = s.Curl("GET", "sys/seal-status");
  EXPECT_EQ(status.code, 200);
  EXPECT_EQ(status.body["sealed"], true);

  // Nothing secret is on disk in plaintext: values, tokens, passwords, shares.
  std::string disk;
  for (const char* f : {"store.db", "store.db-wal", "store.db-shm", "audit.log"}) {
    std::ifstream in(dir / f, std::ios::binary);
    disk += std::string(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(disk.size(), 1000u);
  for (const std::string& secret :
       {std::string("s3cret-v@lue"), std::string("redis://db"), std::string("correct horse"), token, root,
        init["keys"][0].get<std::string>(), init["keys_base64"][0].get<std::string>()}) {
    EXPECT_EQ(disk.find(secret), std::string::npos) << secret;
  }
  std::string audit = dstart::testing::ReadFile(dir / "audit.log");
  EXPECT_NE(audit.find("hmac-sha256:"), std::string::npos);
  EXPECT_NE(audit.find("\"path\":\"secret/app/db\""), std::string::npos);
}

TEST(SecretstoreWalkthroughTest, AcknowledgedWritesSurviveSigkill) {
  TempDir dir;
  Store s(dir);
  json init = InitAndUnseal(s);
  std::string root = init["root_token"];
  ASSERT_EQ(s.Curl("POST", "sys/mounts/secret", root, R"({"type":"kv","options":{"version":"1"}})").code, 204);

  std::atomic<int> acknowledged{-1};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    common::http::ClientOptions o;
    o.port = s.port();
    o.timeout = std::chrono::milliseconds(2000);
    auto client = common::http::Client::Create(o);
    if (!client.ok()) return;
    for (int i = 0; !stop; ++i) {
      std::string body = json{{"seq", std::to_string(i)}, {"pad", std::string(200 + i % 50, 'x')}}.dump();
      auto r = (*client)->Do("POST", "/v1/secret/load/k" + std::to_string(i), {{"X-Vault-Token", root}}, body);
      if (!r.ok() || r->status != 204) return;
      acknowledged = i;
    }
  });
  ASSERT_TRUE(WaitFor([&] { return acknowledged.load() >= 50; }, std::chrono::seconds(30)));
  s.Kill();
  stop = true;
  writer.join();
  int last = acknowledged.load();

  s.Start();
  EXPECT_EQ(s.Curl("GET", "sys/health").code, 503);
  for (int i = 0; i < 3; ++i) {
    s.Curl("POST", "sys/unseal", "", json{{"key", init["keys"][i]}}.dump());  // hex this time
  }
  ASSERT_EQ(s.Curl("GET", "sys/health").code, 200);
  common::http::ClientOptions o;
  o.port = s.port();
  auto client = common::http::Client::Create(o);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i <= last + 1; ++i) {
    auto r = (*client)->Do("GET", "/v1/secret/load/k" + std::to_string(i), {{"X-Vault-Token", root}});
    ASSERT_TRUE(r.ok());
    if (i <= last) {
      ASSERT_EQ(r->status, 200) << "acknowledged write " << i << " lost";
    }
    if (r->status == 200) {
      json body = json::parse(r->body);
      EXPECT_EQ(body["data"]["seq"], std::to_string(i));
      EXPECT_EQ(body["data"]["pad"].get<std::string>().size(), 200u + i % 50);
    } else {
      EXPECT_EQ(r->status, 404);  // The one in flight: absent, never half-written.
    }
  }
}

TEST(SecretstoreWalkthroughTest, RejectsBadConfiguration) {
  TempDir dir;
  WriteFile(dir / "bad.hcl", "listener \"tcp\" {\n  address = \"127.0.0.1:1\"\n  tls_disable = true\n  bogus = 1\n}\nstorage \"sqlite\" { path = \"x\" }\n");
  auto r = RunCommand({DstartBinary(), "secretstore", "run", "-config", (dir / "bad.hcl").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":4:"), std::string::npos) << r.err;
  auto help = RunCommand({DstartBinary(), "secretstore", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("run -config FILE"), std::string::npos);
  auto missing = RunCommand({DstartBinary(), "secretstore", "run"});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace dstart::secretstore
