// The token store (spec/secretstore.md §4) and auth/token/*.
#include <fnmatch.h>

#include "common/encoding.h"
#include "fmt/format.h"
#include "secretstore/core_internal.h"

namespace dstart::secretstore {

namespace {
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}
std::string AccessorKey(const std::string& accessor) { return "token/accessor/" + Sha256Hex(accessor); }
}  // namespace

json Token::ToJson() const {
  return {{"hash", hash},
          {"accessor", accessor},
          {"policies", policies},
          {"path", path},
          {"meta", meta},
          {"display_name", display_name},
          {"parent", parent_hash},
          {"entity_id", entity_id},
          {"role", role},
          {"creation_time", creation_time},
          {"creation_ttl", creation_ttl},
          {"expire_time", expire_time},
          {"period", period},
          {"explicit_max_ttl", explicit_max_ttl},
          {"last_renewal_time", last_renewal_time},
          {"renewable", renewable}};
}

Token Token::FromJson(const json& j) {
  Token t;
  t.hash = j.value("hash", "");
  t.accessor = j.value("accessor", "");
  t.policies = StringList(j.value("policies", json::array()));
  t.path = j.value("path", "");
  t.meta = j.value("meta", json::object());
  t.display_name = j.value("display_name", "");
  t.parent_hash = j.value("parent", "");
  t.entity_id = j.value("entity_id", "");
  t.role = j.value("role", "");
  t.creation_time = j.value("creation_time", int64_t{0});
  t.creation_ttl = j.value("creation_ttl", int64_t{0});
  t.expire_time = j.value("expire_time", int64_t{0});
  t.period = j.value("period", int64_t{0});
  t.explicit_max_ttl = j.value("explicit_max_ttl", int64_t{0});
  t.last_renewal_time = j.value("last_renewal_time", int64_t{0});
  t.renewable = j.value("renewable", false);
  return t;
}

bool Token::root() const {
  return std::find(policies.begin(), policies.end(), "root") != policies.end();
}

absl::StatusOr<std::optional<Token>> Core::Impl::TokenByHash(const std::string& hash) {
  Token t;
  if (auto it = token_cache_.find(hash); it != token_cache_.end()) {
    t = it->second;
  } else {
    auto doc = GetJson("token/id/" + hash);
    if (!doc.ok()) return doc.status();
    if (!doc->has_value()) return std::optional<Token>();
    t = Token::FromJson(**doc);
    if (token_cache_.size() > 10000) token_cache_.clear();
    token_cache_[hash] = t;
  }
  if (t.expire_time != 0 && t.expire_time <= Now()) {
    DSTART_RETURN_IF_ERROR(RevokeTree(t.hash));
    return std::optional<Token>();
  }
  return std::optional<Token>(std::move(t));
}

absl::StatusOr<std::optional<Token>> Core::Impl::LookupToken(const std::string& id) {
  if (id.empty() || id.size() > 512) return std::optional<Token>();
  return TokenByHash(Sha256Hex(id));
}

absl::StatusOr<std::optional<Token>> Core::Impl::TokenByAccessor(const std::string& accessor) {
  auto index = GetJson(AccessorKey(accessor));
  if (!index.ok()) return index.status();
  if (!index->has_value()) return std::optional<Token>();
  return TokenByHash((**index).value("hash", ""));
}

absl::StatusOr<std::string> Core::Impl::CreateToken(Token& t) {
  std::string id = "s." + RandomId(24);
  t.hash = Sha256Hex(id);
  t.accessor = RandomId(24);
  if (t.creation_time == 0) t.creation_time = Now();
  t.policies = SortedUnique(t.policies);
  std::vector<Barrier::Write> writes;
  auto add = [&](const std::string& key, const json& value) {
    std::string text = value.dump();
    writes.push_back({key, Bytes(text.begin(), text.end())});
  };
  add("token/id/" + t.hash, t.ToJson());
  add(AccessorKey(t.accessor), {{"hash", t.hash}, {"accessor", t.accessor}});
  if (!t.parent_hash.empty()) add("token/parent/" + t.parent_hash + "/" + t.hash, json::object());
  DSTART_RETURN_IF_ERROR(barrier_->Commit(writes));
  token_cache_[t.hash] = t;
  return id;
}

absl::Status Core::Impl::SaveToken(const Token& t) {
  token_cache_.erase(t.hash);
  DSTART_RETURN_IF_ERROR(PutJson("token/id/" + t.hash, t.ToJson()));
  token_cache_[t.hash] = t;
  return absl::OkStatus();
}

absl::Status Core::Impl::RevokeTree(const std::string& hash) {
  auto children = barrier_->List("token/parent/" + hash + "/");
  if (!children.ok()) return children.status();
  for (const std::string& k : *children) {
    DSTART_RETURN_IF_ERROR(RevokeTree(k.substr(k.rfind('/') + 1)));
  }
  token_cache_.erase(hash);
  auto doc = GetJson("token/id/" + hash);
  if (!doc.ok()) return doc.status();
  std::vector<Barrier::Write> writes;
  for (const std::string& k : *children) writes.push_back({k, std::nullopt});
  if (doc->has_value()) {
    Token t = Token::FromJson(**doc);
    writes.push_back({"token/id/" + hash, std::nullopt});
    writes.push_back({AccessorKey(t.accessor), std::nullopt});
    if (!t.parent_hash.empty()) {
      writes.push_back({"token/parent/" + t.parent_hash + "/" + hash, std::nullopt});
    }
  }
  return barrier_->Commit(writes);
}

std::vector<std::string> Core::Impl::IdentityPolicies(const std::string& entity_id) {
  if (entity_id.empty()) return {};
  auto it = entities_.find(entity_id);
  if (it == entities_.end()) return {};
  return SortedUnique(StringList(it->second["policies"]));
}

json Core::Impl::TokenLookupData(const Token& t, bool /*unused*/) {
  int64_t now = Now();
  json d = {{"accessor", t.accessor},
            {"creation_time", t.creation_time},
            {"creation_ttl", t.creation_ttl},
            {"display_name", t.display_name},
            {"entity_id", t.entity_id},
            {"expire_time", t.expire_time ? json(Rfc3339(t.expire_time)) : json(nullptr)},
            {"explicit_max_ttl", t.explicit_max_ttl},
            {"id", ""},
            {"issue_time", Rfc3339(t.creation_time)},
            {"meta", t.meta.empty() ? json(nullptr) : t.meta},
            {"num_uses", 0},
            {"orphan", t.parent_hash.empty()},
            {"path", t.path},
            {"policies", t.policies},
            {"renewable", t.renewable && t.expire_time != 0},
            {"ttl", t.expire_time ? std::max<int64_t>(0, t.expire_time - now) : 0},
            {"type", "service"}};
  if (t.period) d["period"] = t.period;
  if (!t.role.empty()) d["role"] = t.role;
  if (t.last_renewal_time) d["last_renewal_time"] = t.last_renewal_time;
  auto identity = IdentityPolicies(t.entity_id);
  if (!identity.empty()) d["identity_policies"] = identity;
  return d;
}

json Core::Impl::AuthBlock(const Token& t, const std::string& id,
                           const std::vector<std::string>& identity) {
  std::vector<std::string> all = t.policies;
  all.insert(all.end(), identity.begin(), identity.end());
  int64_t ttl = t.expire_time ? std::max<int64_t>(0, t.expire_time - Now()) : 0;
  return {{"client_token", id},
          {"accessor", t.accessor},
          {"policies", SortedUnique(all)},
          {"token_policies", t.policies},
          {"identity_policies", identity.empty() ? json(nullptr) : json(identity)},
          {"metadata", t.meta.empty() ? json(nullptr) : t.meta},
          {"lease_duration", ttl},
          {"renewable", t.renewable && t.expire_time != 0},
          {"entity_id", t.entity_id},
          {"token_type", "service"},
          {"orphan", t.parent_hash.empty()},
          {"mfa_requirement", nullptr},
          {"num_uses", 0}};
}

namespace {
LogicalResponse AuthResponse(json auth, std::vector<std::string> warnings = {}) {
  LogicalResponse r;
  r.lease_duration = 0;
  r.auth = std::move(auth);
  r.warnings = std::move(warnings);
  return r;
}

bool GlobMatchIgnoreCase(const std::string& pattern, const std::string& value) {
  return fnmatch(Lower(pattern).c_str(), Lower(value).c_str(), 0) == 0;
}
}  // namespace

Result Core::Impl::HandleToken(LogicalRequest& req) {
  const std::string path = req.path.substr(11);  // after "auth/token/"
  const Token& caller = *req.token;
  bool write = req.op == Operation::kCreate || req.op == Operation::kUpdate;
  auto fail = [](const absl::Status& s) { return Err(500, std::string(s.message())); };

  // ---- lookups ----
  if (path == "lookup-self") {
    json d = TokenLookupData(caller, false);
    d["id"] = req.client_token;
    return WithData(d);
  }
  if (path == "lookup" || path == "lookup-accessor") {
    bool by_accessor = path == "lookup-accessor";
    std::string key = req.data.value(by_accessor ? "accessor" : "token", "");
    if (key.empty()) return Err(400, by_accessor ? "missing accessor" : "missing token");
    auto t = by_accessor ? TokenByAccessor(key) : LookupToken(key);
    if (!t.ok()) return fail(t.status());
    if (!t->has_value()) return Err(by_accessor ? 400 : 403, by_accessor ? "invalid accessor" : "bad token");
    json d = TokenLookupData(**t, false);
    if (!by_accessor) d["id"] = key;
    return WithData(d);
  }

  // ---- renew ----
  if (path == "renew-self" || path == "renew" || path == "renew-accessor") {
    if (!write) return Err(405, "unsupported operation");
    std::optional<Token> target;
    std::string id;
    if (path == "renew-self") {
      target = caller;
      id = req.client_token;
    } else {
      bool by_accessor = path == "renew-accessor";
      std::string key = req.data.value(by_accessor ? "accessor" : "token", "");
      auto t = by_accessor ? TokenByAccessor(key) : LookupToken(key);
      if (!t.ok()) return fail(t.status());
      if (!t->has_value()) return Err(400, "invalid token");
      target = **t;
      if (!by_accessor) id = key;
    }
    Token& t = *target;
    if (!t.renewable || t.expire_time == 0) return Err(400, "lease is not renewable");
    if (StartsWith(t.path, "auth/")) {
      // §4.5: a userpass login token follows its user.
      for (const auto& [mount, entry] : auths_.items()) {
        if (entry.value("type", "") != "userpass" || !StartsWith(t.path, "auth/" + mount + "login/")) continue;
        std::string user = t.path.substr(5 + mount.size() + 6);
        auto u = GetJson("userpass/" + entry.value("uuid", "") + "/user/" + user);
        if (!u.ok()) return fail(u.status());
        if (!u->has_value()) return NoContent();
        if (int64_t p = (**u).value("token_period", int64_t{0}); p > 0) t.period = p;
      }
    }
    int64_t now = Now();
    int64_t max_ttl = options_.max_lease_ttl.count();
    int64_t ttl;
    if (t.period > 0) {
      ttl = t.period;
    } else {
      auto inc = ParseTtl(req.data.value("increment", json(nullptr)));
      if (!inc.ok()) return Err(400, std::string(inc.status().message()));
      ttl = *inc > 0 ? *inc : (t.creation_ttl > 0 ? t.creation_ttl : options_.default_lease_ttl.count());
      int64_t limit = t.creation_time + max_ttl - now;  // Never past issue time + max.
      ttl = std::min(ttl, limit);
    }
    if (t.explicit_max_ttl > 0) ttl = std::min(ttl, t.creation_time + t.explicit_max_ttl - now);
    if (ttl <= 0) return Err(400, "lease is not renewable past its maximum TTL");
    t.expire_time = now + ttl;
    t.last_renewal_time = now;
    if (absl::Status s = SaveToken(t); !s.ok()) return fail(s);
    LogicalResponse r = AuthResponse(AuthBlock(t, id, IdentityPolicies(t.entity_id)));
    return r;
  }

  // ---- revoke ----
  if (path == "revoke-self" || path == "revoke" || path == "revoke-accessor" || path == "revoke-orphan") {
    if (!write) return Err(405, "unsupported operation");
    std::optional<Token> target;
    if (path == "revoke-self") {
      target = caller;
    } else {
      bool by_accessor = path == "revoke-accessor";
      std::string key = req.data.value(by_accessor ? "accessor" : "token", "");
      auto t = by_accessor ? TokenByAccessor(key) : LookupToken(key);
      if (!t.ok()) return fail(t.status());
      if (!t->has_value()) {
        if (by_accessor) return Err(400, "invalid accessor");
        return NoContent();  // Revoking an unknown token is not an error in OpenBao.
      }
      target = **t;
    }
    if (path == "revoke-orphan") {
      // Children become orphans: drop the links, then the token alone.
      auto children = barrier_->List("token/parent/" + target->hash + "/");
      if (!children.ok()) return fail(children.status());
      for (const std::string& k : *children) {
        auto c = TokenByHash(k.substr(k.rfind('/') + 1));
        if (c.ok() && c->has_value()) {
          (*c)->parent_hash.clear();
          SaveToken(**c).IgnoreError();
        }
        barrier_->Delete(k).IgnoreError();
      }
    }
    if (absl::Status s = RevokeTree(target->hash); !s.ok()) return fail(s);
    return NoContent();
  }

  // ---- accessors ----
  if (path == "accessors/") {
    if (req.op != Operation::kList) return Err(405, "unsupported operation");
    auto keys = barrier_->List("token/accessor/");
    if (!keys.ok()) return fail(keys.status());
    json list = json::array();
    for (const std::string& k : *keys) {
      auto doc = GetJson(k);
      if (doc.ok() && doc->has_value()) list.push_back((**doc).value("accessor", ""));
    }
    if (list.empty()) return Err(404, "");
    return WithData({{"keys", list}});
  }

  // ---- roles ----
  if (path == "roles/") {
    if (req.op != Operation::kList) return Err(405, "unsupported operation");
    auto keys = barrier_->List("token/role/");
    if (!keys.ok()) return fail(keys.status());
    json list = json::array();
    for (const std::string& k : *keys) list.push_back(k.substr(11));
    if (list.empty()) return Err(404, "");
    return WithData({{"keys", list}});
  }
  if (StartsWith(path, "roles/")) {
    std::string name = Lower(path.substr(6));
    if (name.empty() || name.find('/') != std::string::npos) return Err(400, "invalid role name");
    std::string key = "token/role/" + name;
    if (req.op == Operation::kRead) {
      auto doc = GetJson(key);
      if (!doc.ok()) return fail(doc.status());
      if (!doc->has_value()) return Err(404, "");
      return WithData(**doc);
    }
    if (req.op == Operation::kDelete) {
      if (absl::Status s = barrier_->Delete(key); !s.ok()) return fail(s);
      return NoContent();
    }
    auto existing = GetJson(key);
    if (!existing.ok()) return fail(existing.status());
    json role = existing->value_or(json{{"name", name},
                                        {"allowed_policies", json::array()},
                                        {"disallowed_policies", json::array()},
                                        {"allowed_entity_aliases", json::array()},
                                        {"orphan", false},
                                        {"renewable", true},
                                        {"path_suffix", ""},
                                        {"token_period", 0},
                                        {"token_explicit_max_ttl", 0},
                                        {"token_type", "default-service"}});
    const json& d = req.data;
    for (const char* list_field : {"allowed_policies", "disallowed_policies", "allowed_entity_aliases"}) {
      if (d.contains(list_field)) role[list_field] = StringList(d[list_field]);
    }
    for (const char* bool_field : {"orphan", "renewable"}) {
      if (d.contains(bool_field)) {
        if (!d[bool_field].is_boolean()) return Err(400, fmt::format("{} must be a boolean", bool_field));
        role[bool_field] = d[bool_field].get<bool>();
      }
    }
    for (auto [from, to] : {std::pair{"period", "token_period"}, {"token_period", "token_period"},
                            {"explicit_max_ttl", "token_explicit_max_ttl"},
                            {"token_explicit_max_ttl", "token_explicit_max_ttl"}}) {
      if (d.contains(from)) {
        auto v = ParseTtl(d[from]);
        if (!v.ok()) return Err(400, fmt::format("{}: {}", from, std::string(v.status().message())));
        role[to] = *v;
      }
    }
    if (d.contains("path_suffix")) role["path_suffix"] = d.value("path_suffix", "");
    if (d.contains("token_type")) role["token_type"] = d.value("token_type", "");
    if (absl::Status s = PutJson(key, role); !s.ok()) return fail(s);
    return NoContent();
  }

  // ---- create ----
  if (path == "create" || path == "create-orphan" || StartsWith(path, "create/")) {
    if (!write) return Err(405, "unsupported operation");
    const json& d = req.data;
    std::optional<json> role;
    if (StartsWith(path, "create/")) {
      auto doc = GetJson("token/role/" + Lower(path.substr(7)));
      if (!doc.ok()) return fail(doc.status());
      if (!doc->has_value()) return Err(400, "unknown role " + path.substr(7));
      role = **doc;
    }
    if (d.contains("id")) return Err(400, "custom token IDs are not supported by this server");
    std::vector<std::string> warnings;
    Token t;
    t.path = "auth/token/" + path;
    t.meta = d.value("meta", json::object());
    if (!t.meta.is_object()) return Err(400, "meta must be a map of strings");
    for (const auto& [k, v] : t.meta.items()) {
      if (!v.is_string()) return Err(400, "meta must be a map of strings");
    }
    std::string dn = d.value("display_name", "");
    std::string sanitized;
    for (char c : Lower(dn)) sanitized.push_back(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-');
    t.display_name = sanitized.empty() ? "token" : "token-" + sanitized;
    bool no_default = d.value("no_default_policy", false);
    std::vector<std::string> requested = StringList(d.value("policies", json::array()));
    for (auto& p : requested) p = Lower(p);

    bool orphan = path == "create-orphan" || (role ? role->value("orphan", false) : d.value("no_parent", false));
    bool caller_root = caller.root();

    std::vector<std::string> policies;
    if (role) {
      t.role = role->value("name", "");
      std::vector<std::string> allowed = StringList((*role)["allowed_policies"]);
      if (requested.empty()) {
        policies = allowed.empty() ? caller.policies : allowed;
      } else {
        if (!allowed.empty()) {
          for (const std::string& p : requested) {
            if (p != "default" && std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
              return Err(400, fmt::format("token policies ({}) must be subset of the role's allowed policies ({})",
                                          fmt::join(requested, ", "), fmt::join(allowed, ", ")));
            }
          }
        }
        policies = requested;
      }
      for (const std::string& p : StringList((*role)["disallowed_policies"])) {
        if (std::find(policies.begin(), policies.end(), p) != policies.end()) {
          return Err(400, fmt::format("token policy {} is disallowed by this role", p));
        }
      }
    } else {
      policies = requested.empty() ? caller.policies : requested;
      if (!caller_root && !requested.empty()) {
        // Without root, a child's policies must come from the parent (sudo callers excepted).
        std::vector<const Policy*> ps;
        for (const auto& n : caller.policies) ps.push_back(FindPolicy(n));
        Acl acl(ps, {});
        bool sudo = acl.Capabilities(req.path, false) & kCapSudo;
        if (!sudo) {
          for (const std::string& p : requested) {
            if (p != "default" && std::find(caller.policies.begin(), caller.policies.end(), p) == caller.policies.end()) {
              return Err(400, "child policies must be subset of parent");
            }
          }
        }
      }
    }
    if (std::find(policies.begin(), policies.end(), "root") != policies.end()) {
      if (!caller_root) return Err(400, "root tokens may not be created without parent token being root");
      policies = {"root"};
    } else if (!no_default) {
      policies.push_back("default");
    } else {
      policies.erase(std::remove(policies.begin(), policies.end(), "default"), policies.end());
    }
    t.policies = SortedUnique(policies);
    for (const std::string& p : t.policies) {
      if (p != "root" && p != "default" && !FindPolicy(p)) {
        warnings.push_back(fmt::format("Policy \"{}\" does not exist", p));
      }
    }

    if (!orphan) {
      t.parent_hash = caller.hash;
      t.entity_id = caller.entity_id;
    }
    if (d.contains("entity_alias")) {
      if (!role) return Err(400, "'entity_alias' is only allowed in combination with token role");
      std::string alias = d.value("entity_alias", "");
      bool ok = false;
      for (const std::string& pattern : StringList((*role)["allowed_entity_aliases"])) {
        if (GlobMatchIgnoreCase(pattern, alias)) ok = true;
      }
      if (!ok) return Err(400, "invalid 'entity_alias' value");
      std::string accessor = MountAccessor("token/");
      auto entity = EntityByAlias(accessor, Lower(alias));
      if (!entity) {
        auto created = CreateEntity("", json::object(), {});
        if (!created.ok()) return fail(created.status());
        json& e = entities_[(*created)["id"].get<std::string>()];
        e["aliases"].push_back({{"id", Uuid()},
                                {"canonical_id", e["id"]},
                                {"mount_accessor", accessor},
                                {"mount_type", "token"},
                                {"mount_path", "auth/token/"},
                                {"name", Lower(alias)},
                                {"creation_time", Rfc3339(Now())}});
        if (absl::Status s = PutJson("identity/entity/" + e["id"].get<std::string>(), e); !s.ok()) return fail(s);
        entity = e;
      }
      if (entity->value("disabled", false)) return Err(403, "permission denied");
      t.entity_id = entity->value("id", "");
    }

    auto req_ttl = ParseTtl(d.value("ttl", json(nullptr)));
    auto req_period = ParseTtl(d.value("period", json(nullptr)));
    auto req_max = ParseTtl(d.value("explicit_max_ttl", json(nullptr)));
    if (!req_ttl.ok() || !req_period.ok() || !req_max.ok()) return Err(400, "invalid ttl, period or explicit_max_ttl");
    int64_t period = *req_period;
    int64_t explicit_max = *req_max;
    if (role) {
      int64_t rp = role->value("token_period", int64_t{0});
      if (rp > 0 && (period == 0 || rp < period)) {
        if (period) warnings.push_back("period of role is smaller than requested; using role's");
        period = rp;
      }
      int64_t rm = role->value("token_explicit_max_ttl", int64_t{0});
      if (rm > 0 && (explicit_max == 0 || rm < explicit_max)) explicit_max = rm;
    }
    bool renewable = d.value("renewable", true) && (!role || role->value("renewable", true));
    int64_t ttl = 0;
    if (t.policies != std::vector<std::string>{"root"} || period || *req_ttl || explicit_max) {
      if (period > 0) {
        ttl = period;
      } else {
        ttl = *req_ttl > 0 ? *req_ttl : options_.default_lease_ttl.count();
        ttl = std::min(ttl, options_.max_lease_ttl.count());
      }
      if (explicit_max > 0) ttl = std::min(ttl, explicit_max);
    }
    t.period = period;
    t.explicit_max_ttl = explicit_max;
    t.creation_ttl = ttl;
    t.creation_time = Now();
    t.expire_time = ttl ? t.creation_time + ttl : 0;
    t.renewable = renewable && ttl > 0;
    auto id = CreateToken(t);
    if (!id.ok()) return fail(id.status());
    return AuthResponse(AuthBlock(t, *id, IdentityPolicies(t.entity_id)), warnings);
  }
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", req.path));
}

}  // namespace dstart::secretstore
