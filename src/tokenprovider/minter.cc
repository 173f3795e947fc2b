#include "tokenprovider/minter.h"

#include <nlohmann/json.hpp>

#include "common/http/http.h"
#include "common/status.h"
#include "crypto/random.h"
#include "fmt/format.h"

namespace dstart::tokenprovider {
namespace {

using json = nlohmann::json;

struct Reply {
  int status = 0;
  json body;
};

// One connection to the store, carrying the privileged token on every call.
class StoreSession {
 public:
  static absl::StatusOr<StoreSession> Open(const Config& c, const std::string& token) {
    common::http::ClientOptions o;
    o.host = c.store_host;
    o.port = c.store_port;
    o.tls = c.store_protocol == "https";
    o.ca_file = c.store_root_ca;
    o.verify_peer = !o.tls || !c.store_root_ca.empty();
    o.timeout = std::chrono::seconds(15);
    DSTART_ASSIGN_OR_RETURN(auto client, common::http::Client::Create(std::move(o)));
    return StoreSession(std::move(client), token);
  }

  // `expected` lists the acceptable status codes; anything else is an error naming the step.
  absl::StatusOr<Reply> Call(std::string_view step, std::string_view method,
                             const std::string& path, const json* body,
                             std::initializer_list<int> expected, bool with_token = true) {
    common::http::Headers headers;
    if (with_token) headers.emplace_back("X-Vault-Token", token_);
    std::string payload;
    if (body) {
      headers.emplace_back("Content-Type", "application/json");
      payload = body->dump();
    }
    auto r = client_->Do(method, "/v1/" + path, headers, payload);
    if (!r.ok()) {
      return absl::UnavailableError(
          fmt::format("{}: {} {}: {}", step, method, path, std::string(r.status().message())));
    }
    Reply out;
    out.status = r->status;
    if (!r->body.empty()) out.body = json::parse(r->body, nullptr, false);
    for (int e : expected) {
      if (e == r->status) return out;
    }
    std::string why = r->body.size() > 300 ? r->body.substr(0, 300) : r->body;
    return absl::InternalError(
        fmt::format("{}: {} {} returned {}: {}", step, method, path, r->status, why));
  }

 private:
  StoreSession(std::unique_ptr<common::http::Client> c, std::string t)
      : client_(std::move(c)), token_(std::move(t)) {}
  std::unique_ptr<common::http::Client> client_;
  std::string token_;
};

std::string PolicyName(const std::string& key) { return "edgex-service-" + key; }

// EdgeX's default per-service policy (spec/edgex.md §8.2 item 3).
json PolicyDocument(const std::string& key) {
  json p;
  p["path"][fmt::format("secret/edgex/{}/*", key)]["capabilities"] =
      json::array({"create", "update", "delete", "list", "read"});
  p["path"][fmt::format("identity/oidc/token/{}", key)]["capabilities"] = json::array({"read"});
  p["path"]["identity/oidc/introspect"]["capabilities"] = json::array({"create", "update"});
  return p;
}

std::string Duration(std::chrono::seconds s) { return fmt::format("{}s", s.count()); }

// Steps 3a–3c: policy and entity; returns the entity id.
absl::StatusOr<std::string> PolicyAndEntity(StoreSession& s, const std::string& key) {
  json policy = {{"policy", PolicyDocument(key).dump()}};
  DSTART_RETURN_IF_ERROR(
      s.Call("install policy", "PUT", "sys/policies/acl/" + PolicyName(key), &policy, {200, 204})
          .status());
  json entity = {{"metadata", {{"name", key}}}, {"policies", json::array({PolicyName(key)})}};
  DSTART_ASSIGN_OR_RETURN(
      Reply e, s.Call("create entity", "POST", "identity/entity/name/" + key, &entity, {200, 204}));
  if (e.status == 204 || !e.body.is_object() || !e.body.contains("data") ||
      !e.body["data"].is_object()) {
    DSTART_ASSIGN_OR_RETURN(
        e, s.Call("read entity", "GET", "identity/entity/name/" + key, nullptr, {200}));
  }
  std::string id =
      e.body.is_object() && e.body["data"].is_object() ? e.body["data"].value("id", "") : "";
  if (id.empty()) return absl::InternalError("read entity: no data.id in the store's reply");
  return id;
}

// Steps 3g–3h: OIDC role and token role.
absl::Status Roles(StoreSession& s, const Config& c, const std::string& key) {
  json oidc = {{"client_id", c.default_jwt_audience},
               {"key", "edgex-identity"},
               {"template", fmt::format("{{\"name\": \"{}\"}}", key)},
               {"ttl", Duration(c.default_jwt_ttl)}};
  DSTART_RETURN_IF_ERROR(
      s.Call("create OIDC role", "POST", "identity/oidc/role/" + key, &oidc, {200, 204}).status());
  json role = {{"allowed_policies", json::array({PolicyName(key)})},
               {"renewable", true},
               {"allowed_entity_aliases", json::array({key})},
               {"orphan", true}};
  return s.Call("create token role", "POST", "auth/token/roles/" + key, &role, {200, 204}).status();
}

MintedToken FromResponse(const json& body) {
  MintedToken t;
  t.response_json = body.dump();
  if (body.is_object() && body.contains("auth") && body["auth"].is_object()) {
    t.client_token = body["auth"].value("client_token", "");
  }
  return t;
}

}  // namespace

std::string KnownSecretSource(const std::string& name) {
  if (name == "redisdb") return "secret/edgex/security-bootstrapper-redis/redisdb";
  if (name == "message-bus") return "secret/edgex/security-bootstrapper-messagebus/message-bus";
  if (name == "postgres") return "secret/edgex/security-bootstrapper-postgres/postgres";
  return "";
}

Minter::Minter(Config config, common::Logger logger)
    : config_(std::move(config)), logger_(std::move(logger)) {}

absl::StatusOr<MintedToken> Minter::Mint(const std::string& privileged_token,
                                         const std::string& key) const {
  DSTART_ASSIGN_OR_RETURN(StoreSession s, StoreSession::Open(config_, privileged_token));
  DSTART_LOG_INFO(logger_,
                  fmt::format("creating policy, identity, and userpass binding for {}", key));
  DSTART_ASSIGN_OR_RETURN(std::string entity_id, PolicyAndEntity(s, key));
  const std::string ttl = Duration(config_.default_token_ttl);

  if (config_.strategy == MintStrategy::kTokenRole) {
    DSTART_RETURN_IF_ERROR(Roles(s, config_, key));
    json create = {{"display_name", key},
                   {"role_name", key},
                   {"entity_alias", key},
                   {"no_parent", true},
                   {"policies", json::array({PolicyName(key)})},
                   {"meta", {{"user", key}}},
                   {"ttl", ttl},
                   {"period", ttl},
                   {"renewable", true}};
    DSTART_ASSIGN_OR_RETURN(
        Reply r, s.Call("create token", "POST", "auth/token/create/" + key, &create, {200}));
    MintedToken t = FromResponse(r.body);
    if (t.client_token.empty()) return absl::InternalError("create token: no auth.client_token");
    return t;
  }

  const std::string& mount = config_.userpass_mount_point;
  const std::string password = crypto::RandomHex(16);
  json user = {{"password", password}, {"token_period", ttl}, {"token_policies", json::array()}};
  DSTART_RETURN_IF_ERROR(
      s.Call("create user", "POST", fmt::format("auth/{}/users/{}", mount, key), &user, {200, 204})
          .status());
  DSTART_ASSIGN_OR_RETURN(Reply auths,
                          s.Call("list auth mounts", "GET", "sys/auth", nullptr, {200}));
  const std::string mount_key = mount + "/";
  std::string accessor;
  for (const json* where :
       {&auths.body, auths.body.is_object() && auths.body.contains("data") ? &auths.body["data"]
                                                                           : &auths.body}) {
    if (where->is_object() && where->contains(mount_key) && (*where)[mount_key].is_object()) {
      accessor = (*where)[mount_key].value("accessor", "");
    }
  }
  if (accessor.empty()) {
    return absl::InternalError(fmt::format("list auth mounts: no accessor for {}", mount_key));
  }
  json alias = {{"name", key}, {"canonical_id", entity_id}, {"mount_accessor", accessor}};
  DSTART_RETURN_IF_ERROR(
      s.Call("bind entity alias", "POST", "identity/entity-alias", &alias, {200, 204}).status());
  DSTART_RETURN_IF_ERROR(Roles(s, config_, key));
  json login = {{"password", password}};
  DSTART_ASSIGN_OR_RETURN(
      Reply r, s.Call("login", "POST", fmt::format("auth/{}/login/{}", mount, key), &login, {200},
                      /*with_token=*/false));
  MintedToken t = FromResponse(r.body);
  if (t.client_token.empty()) return absl::InternalError("login: no auth.client_token");
  return t;
}

absl::Status Minter::SeedKnownSecrets(const std::string& privileged_token, const std::string& key,
                                      const std::vector<std::string>& names) const {
  if (names.empty()) return absl::OkStatus();
  std::optional<StoreSession> s;
  for (const std::string& name : names) {
    std::string source = KnownSecretSource(name);
    if (source.empty()) {
      DSTART_LOG_WARN(logger_, fmt::format("unrecognized known secret requested: {}", name));
      continue;
    }
    if (!s) {
      DSTART_ASSIGN_OR_RETURN(StoreSession opened, StoreSession::Open(config_, privileged_token));
      s.emplace(std::move(opened));
    }
    DSTART_ASSIGN_OR_RETURN(Reply r, s->Call("read " + name, "GET", source, nullptr, {200}));
    if (!r.body.is_object() || !r.body.contains("data") || !r.body["data"].is_object()) {
      return absl::InternalError(fmt::format("read {}: no data object at {}", name, source));
    }
    json data = r.body["data"];
    DSTART_RETURN_IF_ERROR(s->Call("write " + name, "POST",
                                   fmt::format("secret/edgex/{}/{}", key, name), &data, {200, 204})
                               .status());
  }
  return absl::OkStatus();
}

}  // namespace dstart::tokenprovider
