// A token-provider stack for tests and benchmarks: a real `dstart secretstore run` (init,
// unseal, kv v1 at secret/, userpass, the OIDC key, the bootstrapper's secrets, the root token in
// EdgeX's token-file shape), a Workload API endpoint in this process (StaticIdentityCache, unix
// attestor) handing the provider its SVID, and real `dstart token-provider run` processes. Clients
// are curl with SVIDs issued by the stack's CA. Failures to start throw std::runtime_error.
#ifndef DSTART_TESTS_TOKENPROVIDER_STACK_H_
#define DSTART_TESTS_TOKENPROVIDER_STACK_H_

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "agent/workloadapi/endpoint.h"
#include "agent/workloadapi/static_identity_cache.h"
#include "agent/workloadattestor/process_info.h"
#include "agent/workloadattestor/unix/unix_attestor.h"
#include "common/http/http.h"
#include "crypto/cert_builder.h"
#include "crypto/name.h"
#include "support/process.h"

namespace dstart::tokenprovider::testing {

using json = nlohmann::json;
using dstart::testing::DstartBinary;
using dstart::testing::FreeTcpPort;
using dstart::testing::Process;
using dstart::testing::ReadFile;
using dstart::testing::RunCommand;
using dstart::testing::TempDir;
using dstart::testing::WaitFor;
using dstart::testing::WriteFile;

template <typename T>
T Must(absl::StatusOr<T> v) {
  if (!v.ok()) throw std::runtime_error(std::string(v.status().message()));
  return std::move(*v);
}

// A trust domain's CA issuing SVIDs (optionally with DNS SANs, for curl's host check).
class Ca {
 public:
  explicit Ca(const std::string& td)
      : td_(Must(spiffe::TrustDomain::FromString(td))),
        key_(Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256))),
        cert_(Must(crypto::SelfSignCertificate(
            crypto::RootCaTemplate(Must(crypto::ParseDistinguishedName("C=US, O=SPIFFE")),
                                   td_.IdString(), std::chrono::system_clock::now(),
                                   std::chrono::hours(24)),
            key_))) {}
  spiffe::Bundle MakeBundle() const {
    spiffe::Bundle b(td_);
    b.AddX509Authority(cert_);
    return b;
  }
  spiffe::X509Svid Issue(const std::string& id, std::vector<std::string> dns = {}) const {
    auto key = Must(crypto::PrivateKey::Generate(crypto::KeyType::kEcP256));
    auto leaf = Must(crypto::IssueCertificate(
        crypto::X509SvidTemplate(id, dns, std::chrono::system_clock::now(), std::chrono::hours(1)),
        key.Public(), cert_, key_));
    return Must(spiffe::X509Svid::FromParts({leaf}, key));
  }
  const spiffe::TrustDomain& td() const { return td_; }
  std::string Pem() const { return cert_.ToPem(); }

 private:
  spiffe::TrustDomain td_;
  crypto::PrivateKey key_;
  crypto::Certificate cert_;
};

struct Reply {
  int code = 0;  // 0: no HTTP exchange (TLS refused, connection closed).
  int curl_exit = -1;
  std::string body;
};

class Stack {
 public:
  Stack() : ca_("edgexfoundry.org") {}

  void Start() {
    StartStore();
    StartWorkloadApi();
    token_role_port_ = StartProvider("token-role", {});
    userpass_port_ = StartProvider("userpass", {"TOKENCONFIG_MINTSTRATEGY=userpass"});
  }

  json Store(const std::string& method, const std::string& path, const std::string& token,
             const json& body, int* status) {
    auto client = Must(common::http::Client::Create({.host = "127.0.0.1", .port = store_port_}));
    common::http::Headers h;
    if (!token.empty()) h.emplace_back("X-Vault-Token", token);
    std::string payload = body.is_null() ? "" : body.dump();
    if (!payload.empty()) h.emplace_back("Content-Type", "application/json");
    auto r = client->Do(method, "/v1/" + path, h, payload);
    *status = r.ok() ? r->status : 0;
    if (!r.ok() || r->body.empty()) return json();
    return json::parse(r->body, nullptr, false);
  }
  void StoreOk(const std::string& method, const std::string& path, const json& body) {
    int status = 0;
    json r = Store(method, path, root_, body, &status);
    if (status != 200 && status != 204) {
      throw std::runtime_error(method + " " + path + ": " + std::to_string(status) + " " +
                               r.dump());
    }
  }

  // Writes an SVID's PEM files; returns the file prefix.
  std::string WriteSvid(const std::string& name, const spiffe::X509Svid& svid) {
    WriteFile(dir_ / (name + ".pem"), svid.CertificatesPem());
    WriteFile(dir_ / (name + ".key"), svid.KeyPkcs8Pem());
    return (dir_ / name).string();
  }
  std::string ClientSvid(const std::string& id) {
    std::string name = "client-" + std::to_string(++clients_);
    return WriteSvid(name, ca_.Issue(id));
  }

  // curl with mutual TLS against a provider; `cert` is a WriteSvid prefix ("" for none).
  Reply Curl(int port, const std::string& cert, const std::vector<std::string>& extra,
             const std::string& path = "/api/v3/gettoken?raw_token=true") {
    std::vector<std::string> argv = {"curl",       "-sS",
                                     "--max-time", "20",
                                     "-w",         "\n%{http_code}",
                                     "--cacert",   (dir_ / "bundle.pem").string()};
    if (!cert.empty()) argv.insert(argv.end(), {"--cert", cert + ".pem", "--key", cert + ".key"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("https://localhost:" + std::to_string(port) + path);
    auto r = RunCommand(argv);
    Reply out;
    out.curl_exit = r.exit_code;
    size_t nl = r.out.rfind('\n');
    if (nl != std::string::npos) {
      out.code = std::atoi(r.out.c_str() + nl + 1);
      out.body = r.out.substr(0, nl);
    }
    return out;
  }
  Reply GetToken(const std::string& cert, const std::vector<std::string>& form, int port = 0) {
    std::vector<std::string> extra;
    for (const auto& f : form) extra.insert(extra.end(), {"--data-urlencode", f});
    if (form.empty()) extra.insert(extra.end(), {"-X", "POST"});
    return Curl(port ? port : token_role_port_, cert, extra);
  }

  int StoreRead(const std::string& token, const std::string& path, json* out = nullptr) {
    int status = 0;
    json r = Store("GET", path, token, json(), &status);
    if (out) *out = r;
    return status;
  }

  std::string ProviderLog(const std::string& name) {
    return ReadFile(dir_ / (name + ".err")) + ReadFile(dir_ / (name + ".out"));
  }

  int StartProvider(const std::string& name, std::vector<std::string> env, int port = 0) {
    if (port == 0) port = FreeTcpPort();
    env.insert(env.end(),
               {"SERVICE_PORT=" + std::to_string(port), "SERVICE_SERVERBINDADDR=127.0.0.1",
                "SPIFFE_ENDPOINTSOCKET=" + socket_path_, "SECRETSTORE_HOST=127.0.0.1",
                "SECRETSTORE_PORT=" + std::to_string(store_port_),
                "SECRETSTORE_TOKENFILE=" + (dir_ / "secrets-token.json").string()});
    if (std::none_of(env.begin(), env.end(), [](const std::string& e) {
          return e.rfind("TOKENCONFIG_RATELIMITPERMINUTE", 0) == 0;
        })) {
      env.push_back("TOKENCONFIG_RATELIMITPERMINUTE=1000");
    }
    providers_.push_back(std::make_unique<Process>(
        name, std::vector<std::string>{DstartBinary(), "token-provider", "run"}, dir_.path(), env));
    bool up = WaitFor([&] { return Curl(port, client_ping_, {}, "/api/v3/ping").code == 200; },
                      std::chrono::seconds(20));
    if (!up)
      throw std::runtime_error("token provider " + name + " did not start: " + ProviderLog(name));
    return port;
  }

  Ca& ca() { return ca_; }
  const TempDir& dir() const { return dir_; }
  int token_role_port() const { return token_role_port_; }
  int userpass_port() const { return userpass_port_; }
  const std::string& root() const { return root_; }
  agent::workloadapi::StaticIdentityCache& cache() { return *cache_; }
  const std::string& ping_cert() const { return client_ping_; }
  int store_port() const { return store_port_; }

 private:
  void StartStore() {
    store_port_ = FreeTcpPort();
    WriteFile(dir_ / "store.hcl",
              "listener \"tcp\" {\n  address = \"127.0.0.1:" + std::to_string(store_port_) +
                  "\"\n  tls_disable = \"true\"\n}\nstorage \"sqlite\" {\n  path = \"" +
                  (dir_ / "store.db").string() + "\"\n}\n");
    store_ = std::make_unique<Process>(
        "secretstore",
        std::vector<std::string>{DstartBinary(), "secretstore", "run", "-config",
                                 (dir_ / "store.hcl").string()},
        dir_.path());
    int status = 0;
    if (!WaitFor([&] {
          Store("GET", "sys/health", "", json(), &status);
          return status != 0;
        })) {
      throw std::runtime_error("secret store did not start");
    }
    json init =
        Store("POST", "sys/init", "", json{{"secret_shares", 1}, {"secret_threshold", 1}}, &status);
    if (status != 200) throw std::runtime_error("sys/init: " + init.dump());
    root_ = init["root_token"];
    Store("POST", "sys/unseal", "", json{{"key", init["keys_base64"][0]}}, &status);
    if (status != 200) throw std::runtime_error("sys/unseal failed");
    StoreOk("POST", "sys/mounts/secret", {{"type", "kv"}, {"options", {{"version", "1"}}}});
    StoreOk("POST", "sys/auth/userpass", {{"type", "userpass"}});
    StoreOk("POST", "identity/oidc/key/edgex-identity", {{"allowed_client_ids", {"*"}}});
    StoreOk("POST", "secret/edgex/security-bootstrapper-redis/redisdb",
            {{"username", "default"}, {"password", "redis-secret"}});
    StoreOk("POST", "secret/edgex/security-bootstrapper-messagebus/message-bus",
            {{"username", "bus"}, {"password", "bus-secret"}});
    StoreOk("POST", "secret/edgex/security-bootstrapper-postgres/postgres",
            {{"username", "postgres"}, {"password", "pg-secret"}});
    WriteFile(dir_ / "secrets-token.json", json{{"auth", {{"client_token", root_}}}}.dump());
  }

  void StartWorkloadApi() {
    socket_path_ = (dir_ / "public" / "api.sock").string();
    cache_ = std::make_shared<agent::workloadapi::StaticIdentityCache>(ca_.td());
    cache_->SetBundle(ca_.MakeBundle());
    spiffe::SelectorSet selectors;
    selectors.insert(Must(spiffe::Selector::Parse("unix:uid:" + std::to_string(::getuid()))));
    const std::string id = "spiffe://edgexfoundry.org/service/security-spiffe-token-provider";
    cache_->SetEntry(
        {"0-token-provider", Must(spiffe::SpiffeId::FromString(id)), selectors, "", {}});
    auto st = cache_->SetSvid("0-token-provider", ca_.Issue(id, {"localhost"}));
    if (!st.ok()) throw std::runtime_error(std::string(st.message()));
    attestor_ = std::make_shared<agent::workloadattestor::UnixAttestor>(
        agent::workloadattestor::UnixAttestorConfig{}, process_info_);
    agent::workloadapi::EndpointOptions options;
    options.socket_path = socket_path_;
    options.attestors = {attestor_};
    options.cache = cache_;
    endpoint_ = Must(agent::workloadapi::Endpoint::Start(std::move(options)));
    WriteFile(dir_ / "bundle.pem", ca_.Pem());
    client_ping_ = WriteSvid("ping", ca_.Issue("spiffe://edgexfoundry.org/service/healthcheck"));
  }

  TempDir dir_;
  Ca ca_;
  int store_port_ = 0;
  std::string root_;
  std::unique_ptr<Process> store_;
  std::string socket_path_;
  agent::workloadattestor::RealProcessInfo process_info_;
  std::shared_ptr<const agent::workloadattestor::WorkloadAttestor> attestor_;
  std::shared_ptr<agent::workloadapi::StaticIdentityCache> cache_;
  std::unique_ptr<agent::workloadapi::Endpoint> endpoint_;
  std::vector<std::unique_ptr<Process>> providers_;
  std::string client_ping_;
  int token_role_port_ = 0;
  int userpass_port_ = 0;
  int clients_ = 0;
};

}  // namespace dstart::tokenprovider::testing

#endif  // DSTART_TESTS_TOKENPROVIDER_STACK_H_
