// OIDC identity tokens (spec/secretstore.md §4.10): named signing keys, roles, signed JWTs for
// the caller's entity, introspection, and the public JWKS / discovery documents.
#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "fmt/format.h"
#include "secretstore/core_internal.h"

namespace dstart::secretstore {

namespace {
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
ApiError Fail(const absl::Status& s) { return Err(500, std::string(s.message())); }

struct Algorithm {
  std::string_view name;
  crypto::KeyType type;
  crypto::Hash hash;
  bool ec;
};
constexpr Algorithm kAlgorithms[] = {
    {"ES256", crypto::KeyType::kEcP256, crypto::Hash::kSha256, true},
    {"ES384", crypto::KeyType::kEcP384, crypto::Hash::kSha384, true},
    {"ES512", crypto::KeyType::kEcP521, crypto::Hash::kSha512, true},
    {"RS256", crypto::KeyType::kRsa2048, crypto::Hash::kSha256, false},
    {"RS384", crypto::KeyType::kRsa2048, crypto::Hash::kSha384, false},
    {"RS512", crypto::KeyType::kRsa2048, crypto::Hash::kSha512, false},
};
const Algorithm* FindAlgorithm(std::string_view name) {
  for (const Algorithm& a : kAlgorithms) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

absl::StatusOr<json> Jwk(const crypto::PublicKey& pub, const std::string& kid, const Algorithm& alg) {
  json k = {{"use", "sig"}, {"kid", kid}, {"alg", alg.name}};
  if (alg.ec) {
    auto point = pub.EcCoordinates();
    if (!point.ok()) return point.status();
    k["kty"] = "EC";
    k["crv"] = crypto::CurveName(point->curve);
    k["x"] = common::Base64UrlEncode(point->x);
    k["y"] = common::Base64UrlEncode(point->y);
  } else {
    auto rsa = pub.RsaParameters();
    if (!rsa.ok()) return rsa.status();
    k["kty"] = "RSA";
    k["n"] = common::Base64UrlEncode(rsa->n);
    k["e"] = common::Base64UrlEncode(rsa->e);
  }
  return k;
}

// Fills {{identity.entity.id}}, {{identity.entity.name}} and {{identity.entity.metadata.K}}.
std::string FillTemplate(std::string text, const json& entity) {
  size_t open;
  size_t from = 0;
  while ((open = text.find("{{", from)) != std::string::npos) {
    size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string name = text.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    std::string value;
    if (name == "identity.entity.id") {
      value = entity.value("id", "");
    } else if (name == "identity.entity.name") {
      value = entity.value("name", "");
    } else if (StartsWith(name, "identity.entity.metadata.") && entity["metadata"].is_object()) {
      value = entity["metadata"].value(name.substr(25), "");
    }
    text.replace(open, close + 2 - open, value);
    from = open + value.size();
  }
  return text;
}
}  // namespace

std::string Core::Impl::Issuer() const {
  std::string base = oidc_issuer_.empty() ? options_.api_addr : oidc_issuer_;
  return base + "/v1/identity/oidc";
}

Result Core::Impl::HandleOidc(LogicalRequest& req, const std::string& rest) {
  bool write = req.op == Operation::kCreate || req.op == Operation::kUpdate;
  auto list = [&](const std::string& prefix) -> Result {
    auto keys = barrier_->List(prefix);
    if (!keys.ok()) return Fail(keys.status());
    json out = json::array();
    for (const std::string& k : *keys) out.push_back(k.substr(prefix.size()));
    if (out.empty()) return Err(404, "");
    return WithData({{"keys", out}});
  };

  if (rest == "config") {
    if (req.op == Operation::kRead) return WithData({{"issuer", oidc_issuer_}});
    if (!write) return Err(405, "unsupported operation");
    std::string issuer = req.data.value("issuer", "");
    while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
    if (absl::Status s = PutJson("oidc/config", {{"issuer", issuer}}); !s.ok()) return Fail(s);
    oidc_issuer_ = issuer;
    return NoContent();
  }

  // ---- keys ----
  if (rest == "key/") return req.op == Operation::kList ? list("oidc/key/") : Err(405, "unsupported operation");
  if (StartsWith(rest, "key/")) {
    std::string name = rest.substr(4);
    if (name.empty() || name.find('/') != std::string::npos) return Err(400, "invalid key name");
    auto existing = GetJson("oidc/key/" + name);
    if (!existing.ok()) return Fail(existing.status());
    if (req.op == Operation::kRead) {
      if (!existing->has_value()) return Err(404, "");
      json d = **existing;
      d.erase("private_key");
      d.erase("kid");
      return WithData(d);
    }
    if (req.op == Operation::kDelete) {
      auto roles = barrier_->List("oidc/role/");
      if (roles.ok()) {
        for (const std::string& r : *roles) {
          auto role = GetJson(r);
          if (role.ok() && role->has_value() && (**role).value("key", "") == name) {
            return Err(400, fmt::format("unable to delete key \"{}\" because it is currently referenced by these roles: {}",
                                        name, r.substr(10)));
          }
        }
      }
      if (absl::Status s = barrier_->Delete("oidc/key/" + name); !s.ok()) return Fail(s);
      return NoContent();
    }
    if (!write) return Err(405, "unsupported operation");
    json key = existing->value_or(json{{"algorithm", "RS256"},
                                       {"allowed_client_ids", json::array()},
                                       {"rotation_period", 86400},
                                       {"verification_ttl", 86400}});
    const json& d = req.data;
    std::string old_alg = key.value("algorithm", "RS256");
    if (d.contains("algorithm")) key["algorithm"] = d.value("algorithm", "");
    const Algorithm* alg = FindAlgorithm(key["algorithm"].get<std::string>());
    if (alg == nullptr) {
      return Err(400, fmt::format("unknown signing algorithm \"{}\"", key["algorithm"].get<std::string>()));
    }
    if (d.contains("allowed_client_ids")) key["allowed_client_ids"] = StringList(d["allowed_client_ids"]);
    for (const char* f : {"rotation_period", "verification_ttl"}) {
      if (d.contains(f)) {
        auto v = ParseTtl(d[f]);
        if (!v.ok()) return Err(400, fmt::format("{}: {}", f, std::string(v.status().message())));
        key[f] = *v;
      }
    }
    if (key["rotation_period"].get<int64_t>() < 60) return Err(400, "rotation_period must be at least one minute");
    if (key["verification_ttl"].get<int64_t>() > 10 * key["rotation_period"].get<int64_t>()) {
      return Err(400, "verification_ttl cannot be longer than 10x rotation_period");
    }
    if (!key.contains("private_key") || old_alg != key["algorithm"]) {
      auto priv = crypto::PrivateKey::Generate(alg->type);
      if (!priv.ok()) return Fail(priv.status());
      key["private_key"] = priv->ToPkcs8Pem();
      key["kid"] = Uuid();
      signing_keys_.erase(name);
    }
    if (absl::Status s = PutJson("oidc/key/" + name, key); !s.ok()) return Fail(s);
    return NoContent();
  }

  // ---- roles ----
  if (rest == "role/") return req.op == Operation::kList ? list("oidc/role/") : Err(405, "unsupported operation");
  if (StartsWith(rest, "role/")) {
    std::string name = rest.substr(5);
    if (name.empty() || name.find('/') != std::string::npos) return Err(400, "invalid role name");
    auto existing = GetJson("oidc/role/" + name);
    if (!existing.ok()) return Fail(existing.status());
    if (req.op == Operation::kRead) {
      if (!existing->has_value()) return Err(404, "");
      return WithData(**existing);
    }
    if (req.op == Operation::kDelete) {
      if (absl::Status s = barrier_->Delete("oidc/role/" + name); !s.ok()) return Fail(s);
      return NoContent();
    }
    if (!write) return Err(405, "unsupported operation");
    json role = existing->value_or(json{{"key", ""}, {"template", ""}, {"ttl", 86400}, {"client_id", RandomId(26)}});
    const json& d = req.data;
    if (d.contains("key")) role["key"] = d.value("key", "");
    if (d.contains("client_id") && !d.value("client_id", "").empty()) role["client_id"] = d.value("client_id", "");
    if (d.contains("template")) {
      std::string tpl = d.value("template", "");
      if (!tpl.empty()) {
        auto parsed = json::parse(FillTemplate(tpl, json{{"id", "x"}, {"name", "x"}}), nullptr, false);
        if (parsed.is_discarded() || !parsed.is_object()) return Err(400, "template must be a JSON object");
        for (const char* reserved : {"iat", "aud", "exp", "iss", "sub", "namespace"}) {
          if (parsed.contains(reserved)) {
            return Err(400, fmt::format("top level key \"{}\" not allowed in the template", reserved));
          }
        }
      }
      role["template"] = tpl;
    }
    if (d.contains("ttl")) {
      auto v = ParseTtl(d["ttl"]);
      if (!v.ok()) return Err(400, fmt::format("ttl: {}", std::string(v.status().message())));
      role["ttl"] = *v;
    }
    std::string key_name = role.value("key", "");
    if (key_name.empty()) return Err(400, "the key parameter is required");
    auto key = GetJson("oidc/key/" + key_name);
    if (!key.ok()) return Fail(key.status());
    if (!key->has_value()) return Err(400, fmt::format("key \"{}\" does not exist", key_name));
    if (role["ttl"].get<int64_t>() > (**key).value("verification_ttl", int64_t{86400})) {
      return Err(400, "a role's token ttl cannot be longer than the verification_ttl of the key it references");
    }
    if (absl::Status s = PutJson("oidc/role/" + name, role); !s.ok()) return Fail(s);
    return NoContent();
  }

  // ---- tokens ----
  if (StartsWith(rest, "token/")) {
    if (req.op != Operation::kRead) return Err(405, "unsupported operation");
    std::string name = rest.substr(6);
    if (!req.token || req.token->entity_id.empty()) return Err(400, "no entity associated with the request's token");
    auto entity = entities_.find(req.token->entity_id);
    if (entity == entities_.end()) return Err(400, "no entity associated with the request's token");
    if (entity->second.value("disabled", false)) return Err(400, "entity is disabled");
    auto role = GetJson("oidc/role/" + name);
    if (!role.ok()) return Fail(role.status());
    if (!role->has_value()) return Err(400, fmt::format("role \"{}\" not found", name));
    std::string key_name = (**role).value("key", "");
    auto key = GetJson("oidc/key/" + key_name);
    if (!key.ok()) return Fail(key.status());
    if (!key->has_value()) return Err(400, fmt::format("key \"{}\" not found", key_name));
    std::string client_id = (**role).value("client_id", "");
    std::vector<std::string> allowed = StringList((**key)["allowed_client_ids"]);
    if (std::find(allowed.begin(), allowed.end(), "*") == allowed.end() &&
        std::find(allowed.begin(), allowed.end(), client_id) == allowed.end()) {
      return Err(400, fmt::format("the key \"{}\" does not list the client ID of the role \"{}\" as an allowed client ID",
                                  key_name, name));
    }
    const Algorithm* alg = FindAlgorithm((**key).value("algorithm", ""));
    if (alg == nullptr) return Err(500, "key has an unknown algorithm");
    auto& cached = signing_keys_[key_name];
    if (!cached) {
      auto priv = crypto::PrivateKey::FromPem((**key).value("private_key", ""));
      if (!priv.ok()) return Fail(priv.status());
      cached = std::make_shared<crypto::PrivateKey>(std::move(*priv));
    }
    int64_t now = Now();
    int64_t ttl = (**role).value("ttl", int64_t{86400});
    json claims = json::object();
    std::string tpl = (**role).value("template", "");
    if (!tpl.empty()) {
      auto extra = json::parse(FillTemplate(tpl, entity->second), nullptr, false);
      if (extra.is_object()) claims = extra;
    }
    claims["iss"] = Issuer();
    claims["sub"] = req.token->entity_id;
    claims["aud"] = client_id;
    claims["iat"] = now;
    claims["exp"] = now + ttl;
    claims["namespace"] = "root";
    json header = {{"alg", alg->name}, {"kid", (**key).value("kid", "")}};
    std::string input = common::Base64UrlEncode(common::AsBytes(header.dump())) + "." +
                        common::Base64UrlEncode(common::AsBytes(claims.dump()));
    auto sig = crypto::Sign(*cached, alg->hash, common::AsBytes(input));
    if (!sig.ok()) return Fail(sig.status());
    Bytes signature = *sig;
    if (alg->ec) {
      auto raw = crypto::EcdsaDerToRaw(*sig, *cached->curve());
      if (!raw.ok()) return Fail(raw.status());
      signature = std::move(*raw);
    }
    std::string jwt = input + "." + common::Base64UrlEncode(signature);
    return WithData({{"token", jwt}, {"client_id", client_id}, {"ttl", ttl}});
  }

  // ---- introspect (always 200, raw body) ----
  if (rest == "introspect") {
    if (!write) return Err(405, "unsupported operation");
    auto inactive = [](std::string why) {
      LogicalResponse r;
      r.raw = {{"active", false}, {"error", std::move(why)}};
      return r;
    };
    std::string jwt = req.data.value("token", "");
    if (jwt.empty()) return Err(400, "missing token");
    size_t d1 = jwt.find('.'), d2 = jwt.find('.', d1 == std::string::npos ? 0 : d1 + 1);
    if (d1 == std::string::npos || d2 == std::string::npos || jwt.find('.', d2 + 1) != std::string::npos) {
      return inactive("error parsing token: compact JWS format must have three parts");
    }
    auto hb = common::Base64UrlDecode(std::string_view(jwt).substr(0, d1));
    auto cb = common::Base64UrlDecode(std::string_view(jwt).substr(d1 + 1, d2 - d1 - 1));
    auto sb = common::Base64UrlDecode(std::string_view(jwt).substr(d2 + 1));
    if (!hb.ok() || !cb.ok() || !sb.ok()) return inactive("error parsing token: invalid base64url");
    json header = json::parse(common::AsChars(*hb), nullptr, false);
    json claims = json::parse(common::AsChars(*cb), nullptr, false);
    if (!header.is_object() || !claims.is_object()) return inactive("error parsing token: invalid JSON");
    std::string kid = header.value("kid", "");
    const Algorithm* alg = FindAlgorithm(header.value("alg", ""));
    if (alg == nullptr) return inactive("unsupported signing algorithm");
    auto keys = barrier_->List("oidc/key/");
    if (!keys.ok()) return Fail(keys.status());
    bool verified = false;
    for (const std::string& k : *keys) {
      auto key = GetJson(k);
      if (!key.ok() || !key->has_value() || (**key).value("kid", "") != kid) continue;
      if ((**key).value("algorithm", "") != alg->name) break;
      auto priv = crypto::PrivateKey::FromPem((**key).value("private_key", ""));
      if (!priv.ok()) return Fail(priv.status());
      Bytes sig = *sb;
      if (alg->ec) {
        auto der = crypto::EcdsaRawToDer(*sb, *priv->curve());
        if (!der.ok()) break;
        sig = std::move(*der);
      }
      verified = crypto::Verify(priv->Public(), alg->hash,
                                common::AsBytes(std::string_view(jwt).substr(0, d2)), sig).ok();
      break;
    }
    if (!verified) return inactive("error validating signature");
    if (claims.value("iss", "") != Issuer()) {
      return inactive(fmt::format("expected issuer \"{}\", got \"{}\"", Issuer(), claims.value("iss", "")));
    }
    int64_t now = Now();
    if (!claims["exp"].is_number() || claims["exp"].get<int64_t>() <= now) return inactive("token is expired");
    if (claims["iat"].is_number() && claims["iat"].get<int64_t>() > now + 60) return inactive("token issued in the future");
    std::string client_id = req.data.value("client_id", "");
    if (!client_id.empty()) {
      bool match = claims["aud"].is_string() ? claims["aud"] == client_id
                                             : (claims["aud"].is_array() &&
                                                std::find(claims["aud"].begin(), claims["aud"].end(), client_id) != claims["aud"].end());
      if (!match) return inactive("invalid audience");
    }
    auto entity = entities_.find(claims.value("sub", ""));
    if (entity == entities_.end()) return inactive("entity was not found");
    if (entity->second.value("disabled", false)) return inactive("entity is disabled");
    LogicalResponse r;
    r.raw = {{"active", true}};
    return r;
  }

  // ---- public documents ----
  if (rest == ".well-known/keys") {
    if (req.op != Operation::kRead) return Err(405, "unsupported operation");
    auto keys = barrier_->List("oidc/key/");
    if (!keys.ok()) return Fail(keys.status());
    json jwks = json::array();
    for (const std::string& k : *keys) {
      auto key = GetJson(k);
      if (!key.ok() || !key->has_value()) continue;
      const Algorithm* alg = FindAlgorithm((**key).value("algorithm", ""));
      auto priv = crypto::PrivateKey::FromPem((**key).value("private_key", ""));
      if (alg == nullptr || !priv.ok()) continue;
      auto jwk = Jwk(priv->Public(), (**key).value("kid", ""), *alg);
      if (jwk.ok()) jwks.push_back(*jwk);
    }
    LogicalResponse r;
    r.raw = {{"keys", jwks}};
    return r;
  }
  if (rest == ".well-known/openid-configuration") {
    if (req.op != Operation::kRead) return Err(405, "unsupported operation");
    LogicalResponse r;
    r.raw = {{"issuer", Issuer()},
             {"jwks_uri", Issuer() + "/.well-known/keys"},
             {"response_types_supported", {"id_token"}},
             {"subject_types_supported", {"public"}},
             {"id_token_signing_alg_values_supported", {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}}};
    return r;
  }
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", req.path));
}

}  // namespace dstart::secretstore
