// Secret-store benchmarks (issue: KV read over keep-alive loopback, §5.1 minting sequence, idle
// RSS). Bounded in count and time; prints what it measured.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/http/http.h"
#include "nlohmann/json.hpp"
#include "secretstore/core.h"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace http = dstart::common::http;

struct Api {
  std::unique_ptr<http::Client> client;
  json Call(const std::string& method, const std::string& path, const std::string& token = "",
            const json& body = nullptr, int* status = nullptr) {
    http::Headers h;
    if (!token.empty()) h.emplace_back("X-Vault-Token", token);
    auto r = client->Do(method, "/v1/" + path, h, body.is_null() ? "" : body.dump());
    if (!r.ok()) {
      std::fprintf(stderr, "%s %s: %s\n", method.c_str(), path.c_str(), std::string(r.status().message()).c_str());
      std::exit(1);
    }
    if (status) *status = r->status;
    if (r->status >= 400) {
      std::fprintf(stderr, "%s %s: HTTP %d %s\n", method.c_str(), path.c_str(), r->status, r->body.c_str());
      std::exit(1);
    }
    return r->body.empty() ? json(nullptr) : json::parse(r->body);
  }
};

Api Connect(int port) {
  http::ClientOptions o;
  o.port = port;
  auto c = http::Client::Create(o);
  if (!c.ok()) std::exit(1);
  return Api{std::move(*c)};
}

std::string InitUnseal(Api& api) {
  json init = api.Call("POST", "sys/init", "", {{"secret_shares", 5}, {"secret_threshold", 3}});
  for (int i = 0; i < 3; ++i) api.Call("POST", "sys/unseal", "", {{"key", init["keys_base64"][i]}});
  return init["root_token"];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void BenchKvRead(int port, const std::string& token) {
  Api api = Connect(port);
  api.Call("POST", "secret/edgex/bench/redisdb", token, {{"username", "redis"}, {"password", "p4ssw0rd"}});
  for (int i = 0; i < 500; ++i) api.Call("GET", "secret/edgex/bench/redisdb", token);  // warm-up
  std::vector<double> lat;
  const int kReads = 20000;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  auto start = Clock::now();
  for (int i = 0; i < kReads && Clock::now() < deadline; ++i) {
    auto t0 = Clock::now();
    api.Call("GET", "secret/edgex/bench/redisdb", token);
    lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("kv_read_keepalive: reads=%zu p50=%.3f ms p99=%.3f ms reads/s=%.0f (1 connection; goal p50<=0.3 ms, >=10000/s)\n",
              lat.size(), Percentile(lat, 0.5), Percentile(lat, 0.99), lat.size() / secs);

  // Two client connections in parallel (2 cores).
  std::atomic<long> total{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      Api a = Connect(port);
      auto end = Clock::now() + std::chrono::seconds(3);
      while (Clock::now() < end) {
        a.Call("GET", "secret/edgex/bench/redisdb", token);
        ++total;
      }
    });
  }
  for (auto& t : threads) t.join();
  double s2 = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("kv_read_keepalive_2conn: reads=%ld reads/s=%.0f\n", total.load(), total / s2);
}

const char kPrivileged[] = R"(
path "identity/entity/name" { capabilities = ["list"] }
path "identity/entity/name/*" { capabilities = ["create", "update", "read"] }
path "identity/entity/id/*" { capabilities = ["read"] }
path "identity/entity-alias" { capabilities = ["create", "update"] }
path "identity/oidc/role/*" { capabilities = ["create", "update"] }
path "auth/userpass/users/*" { capabilities = ["create", "update"] }
path "auth/token/create/*" { capabilities = ["create", "update", "sudo"] }
path "auth/token/roles/*" { capabilities = ["create", "update"] }
path "sys/auth" { capabilities = ["read"] }
path "sys/policies/acl/edgex-service-*" { capabilities = ["create", "read", "update", "delete"] }
)";

// §5.1 makeToken for one service; `userpass` selects EdgeX's exact sequence (steps d and i with
// bcrypt), otherwise the token-role path (B28 with entity_alias) replaces d and i.
void MintOne(Api& api, const std::string& p, const std::string& name, bool userpass) {
  json policy = {{"path",
                  {{"identity/oidc/introspect", {{"capabilities", {"create", "update"}}}},
                   {"identity/oidc/token/" + name, {{"capabilities", {"read"}}}},
                   {"secret/edgex/" + name + "/*", {{"capabilities", {"create", "update", "delete", "list", "read"}}}}}}};
  api.Call("PUT", "sys/policies/acl/edgex-service-" + name, p, {{"policy", policy.dump()}});
  int status = 0;
  json e = api.Call("POST", "identity/entity/name/" + name, p,
                    {{"metadata", {{"name", name}}}, {"policies", {"edgex-service-" + name}}}, &status);
  std::string id = status == 200 ? e["data"]["id"].get<std::string>()
                                 : api.Call("GET", "identity/entity/name/" + name, p)["data"]["id"].get<std::string>();
  std::string password = "pw-" + name;
  if (userpass) {
    api.Call("POST", "auth/userpass/users/" + name, p,
             {{"password", password}, {"token_period", "1h"}, {"token_policies", json::array()}});
  }
  std::string accessor = api.Call("GET", "sys/auth", p)["data"]["userpass/"]["accessor"];
  api.Call("POST", "identity/entity-alias", p, {{"name", name}, {"canonical_id", id}, {"mount_accessor", accessor}});
  api.Call("POST", "identity/oidc/role/" + name, p,
           {{"client_id", "edgex"}, {"key", "edgex-identity"}, {"template", "{\"name\": \"" + name + "\"}"}, {"ttl", "15m"}});
  api.Call("POST", "auth/token/roles/" + name, p,
           {{"allowed_policies", {"edgex-service-" + name}}, {"name", name}, {"renewable", true},
            {"allowed_entity_aliases", {name}}, {"orphan", true}});
  json token;
  if (userpass) {
    token = api.Call("POST", "auth/userpass/login/" + name, "", {{"password", password}});
  } else {
    token = api.Call("POST", "auth/token/create/" + name, p,
                     {{"display_name", "token-" + name}, {"role_name", name}, {"entity_alias", name},
                      {"no_parent", true}, {"policies", {"edgex-service-" + name}}, {"meta", {{"user", name}}},
                      {"ttl", "1h"}, {"period", "1h"}, {"renewable", true}});
  }
  if (token["auth"]["client_token"].get<std::string>().empty()) std::exit(1);
}

void BenchMint(int port, const std::string& root) {
  Api api = Connect(port);
  api.Call("PUT", "sys/policies/acl/privileged-token-creator", root, {{"policy", kPrivileged}});
  std::string p = api.Call("POST", "auth/token/create", root,
                           {{"display_name", "privileged-token-creator"}, {"no_parent", true}, {"period", "1h"},
                            {"policies", {"privileged-token-creator"}}, {"ttl", "1h"}})["auth"]["client_token"];
  api.Call("POST", "sys/auth/userpass", root, {{"type", "userpass"}});
  api.Call("POST", "identity/oidc/key/edgex-identity", root, {{"allowed_client_ids", {"*"}}, {"algorithm", "ES384"}});
  for (bool userpass : {false, true}) {
    int limit = userpass ? 20 : 2000;
    auto deadline = Clock::now() + std::chrono::seconds(10);
    auto start = Clock::now();
    int n = 0;
    for (; n < limit && Clock::now() < deadline; ++n) {
      MintOne(api, p, (userpass ? "up-svc-" : "role-svc-") + std::to_string(n), userpass);
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("mint_%s: services=%d tokens/s=%.1f mean=%.2f ms (goal >= 500 tokens/s)\n",
                userpass ? "userpass_bcrypt (EdgeX sequence, steps a-i)" : "token_role (steps a-c,e-h + B28)", n,
                n / secs, secs * 1000 / n);
  }
}

long StatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

void BenchIdleRss() {
  auto dir = std::filesystem::temp_directory_path() / ("dstart-ss-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  int port = 0;
  {  // A free port.
    auto s = http::Server::Start({}, [](const http::Request&) { return http::Response{}; });
    port = (*s)->port();
  }
  std::ofstream(dir / "config.hcl") << "listener \"tcp\" {\n address = \"127.0.0.1:" << port
                                    << "\"\n tls_disable = true\n}\nstorage \"sqlite\" { path = \""
                                    << (dir / "s.db").string() << "\" }\n";
  pid_t pid = fork();
  if (pid == 0) {
    std::string cfg = (dir / "config.hcl").string();
    execl(DSTART_BINARY, "dstart", "secretstore", "run", "-config", cfg.c_str(), nullptr);
    _exit(127);
  }
  Api api{nullptr};
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    http::ClientOptions o;
    o.port = port;
    auto c = http::Client::Create(o);
    if (c.ok() && (*c)->Do("GET", "/v1/sys/health").ok()) {
      api.client = std::move(*c);
      break;
    }
  }
  if (api.client) {
    std::string root = InitUnseal(api);
    api.Call("POST", "sys/mounts/secret", root, {{"type", "kv"}, {"options", {{"version", "1"}}}});
    api.Call("POST", "secret/edgex/x/y", root, {{"a", "b"}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    std::printf("idle_rss: %ld kB after init, unseal and one write (goal <= 10240 kB); of which anonymous "
                "%ld kB, file-backed %ld kB (shared library pages: libcrypto, libc, libsqlite3, libstdc++)\n",
                StatusKb(pid, "VmRSS"), StatusKb(pid, "RssAnon"), StatusKb(pid, "RssFile"));
  } else {
    std::printf("idle_rss: the store did not start\n");
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace

int main() {
  auto dir = std::filesystem::temp_directory_path() / ("dstart-ss-bench-core-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  dstart::secretstore::CoreOptions o;
  o.storage_path = (dir / "store.db").string();
  auto core = dstart::secretstore::Core::Open(o);
  if (!core.ok()) return 1;
  auto* c = core->get();
  http::ServerOptions so;
  auto server = http::Server::Start(so, [c](const http::Request& r) { return c->Handle(r); });
  if (!server.ok()) return 1;
  int port = (*server)->port();
  Api api = Connect(port);
  std::string root = InitUnseal(api);
  api.Call("POST", "sys/mounts/secret", root, {{"type", "kv"}, {"options", {{"version", "1"}}}});
  // Read as a service token holding an EdgeX-style policy, so the ACL is evaluated per read.
  api.Call("PUT", "sys/policies/acl/edgex-service-bench", root,
           {{"policy", R"({"path":{"secret/edgex/bench/*":{"capabilities":["create","update","delete","list","read"]}}})"}});
  std::string service = api.Call("POST", "auth/token/create", root,
                                 {{"policies", {"edgex-service-bench"}}, {"period", "1h"}})["auth"]["client_token"];
  BenchKvRead(port, service);
  BenchMint(port, root);
  (*server)->Stop();
  std::filesystem::remove_all(dir);
  BenchIdleRss();
  return 0;
}
