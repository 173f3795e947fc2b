// sys/policies/acl, the KV version 1 engine, userpass and the identity store.
#include <crypt.h>

#include <set>

#include "crypto/digest.h"
#include "crypto/random.h"
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
ApiError Fail(const absl::Status& s) { return Err(500, std::string(s.message())); }

// bcrypt, cost 10, as OpenBao's userpass (spec §4.8), through libxcrypt.
absl::StatusOr<std::string> BcryptHash(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  Bytes rnd = crypto::RandomBytes(16);
  if (crypt_gensalt_rn("$2b$", 10, reinterpret_cast<const char*>(rnd.data()), 16, setting,
                       sizeof setting) == nullptr) {
    return absl::InternalError("bcrypt: cannot make a salt");
  }
  auto data = std::make_unique<crypt_data>();
  if (crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data)) == nullptr) {
    return absl::InternalError("bcrypt: hashing failed");
  }
  return std::string(data->output);
}

bool BcryptVerify(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  if (crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data)) == nullptr) return false;
  std::string got(data->output);
  return crypto::ConstantTimeEquals(common::AsBytes(got), common::AsBytes(hash));
}
}  // namespace

// ---- sys/policies/acl ----

Result Core::Impl::HandlePolicy(LogicalRequest& req) {
  std::string prefix = StartsWith(req.path, "sys/policies/acl") ? "sys/policies/acl" : "sys/policy";
  std::string rest = req.path.substr(prefix.size());
  if (!rest.empty() && rest[0] == '/') rest.erase(0, 1);
  if (rest.empty()) {
    if (req.op != Operation::kList && !(req.op == Operation::kRead && prefix == "sys/policy")) {
      return Err(405, "unsupported operation");
    }
    json keys = json::array();
    for (const auto& [name, p] : policies_) keys.push_back(name);
    keys.push_back("root");
    LogicalResponse r = WithData({{"keys", keys}});
    if (prefix == "sys/policy") r.data["policies"] = keys;
    return r;
  }
  std::string name = rest;
  if (req.op == Operation::kRead) {
    std::string n = Lower(name);
    if (n == "root") return WithData({{"name", "root"}, {"policy", ""}, {"rules", ""}});
    const Policy* p = FindPolicy(n);
    if (p == nullptr) return Err(404, "");
    return WithData({{"name", n}, {"policy", p->text}, {"rules", p->text}});
  }
  if (req.op == Operation::kDelete) {
    std::string n = Lower(name);
    if (n == "root" || n == "default") return Err(400, fmt::format("cannot delete {} policy", n));
    policies_.erase(n);
    if (absl::Status s = barrier_->Delete("policy/" + n); !s.ok()) return Fail(s);
    return NoContent();
  }
  if (req.op != Operation::kCreate && req.op != Operation::kUpdate) return Err(405, "unsupported operation");
  std::string text = req.data.value("policy", req.data.value("rules", ""));
  if (text.empty()) return Err(400, "'policy' parameter not supplied or empty");
  std::vector<std::string> warnings;
  std::string n = Lower(name);
  if (n != name) warnings.push_back(fmt::format("policy name was converted to {}", n));
  if (n == "root") return Err(400, "cannot update root policy");
  auto parsed = ParsePolicy(n, text);
  if (!parsed.ok()) return Err(400, std::string(parsed.status().message()));
  if (absl::Status s = PutJson("policy/" + n, {{"name", n}, {"policy", text}}); !s.ok()) return Fail(s);
  policies_[n] = std::move(*parsed);
  LogicalResponse r;
  r.warnings = warnings;
  return r;
}

// ---- KV version 1 ----

Result Core::Impl::HandleKv(LogicalRequest& req, const std::string& mount, const std::string& rest) {
  std::string base = "kv/" + mounts_[mount].value("uuid", "") + "/";
  switch (req.op) {
    case Operation::kList: {
      auto keys = barrier_->List(base + rest);
      if (!keys.ok()) return Fail(keys.status());
      std::set<std::string> children;
      size_t skip = base.size() + rest.size();
      for (const std::string& k : *keys) {
        std::string tail = k.substr(skip);
        size_t slash = tail.find('/');
        children.insert(slash == std::string::npos ? tail : tail.substr(0, slash + 1));
      }
      if (children.empty()) return Err(404, "");
      return WithData({{"keys", json(std::vector<std::string>(children.begin(), children.end()))}});
    }
    case Operation::kRead: {
      if (rest.empty()) return Err(404, "");
      auto doc = GetJson(base + rest);
      if (!doc.ok()) return Fail(doc.status());
      if (!doc->has_value()) return Err(404, "");
      LogicalResponse r = WithData(**doc);
      r.lease_duration = 2764800;  // OpenBao's KV v1 reports a 768h lease hint.
      return r;
    }
    case Operation::kCreate:
    case Operation::kUpdate: {
      if (rest.empty() || rest.back() == '/') return Err(400, "invalid secret path");
      if (req.data.empty()) return Err(400, "missing data fields");
      if (absl::Status s = PutJson(base + rest, req.data); !s.ok()) return Fail(s);
      return NoContent();
    }
    case Operation::kDelete: {
      if (absl::Status s = barrier_->Delete(base + rest); !s.ok()) return Fail(s);
      return NoContent();
    }
  }
  return Err(405, "unsupported operation");
}

// ---- userpass ----

Result Core::Impl::HandleUserpass(LogicalRequest& req, const std::string& mount,
                                  const std::string& rest, std::unique_lock<std::mutex>& lock) {
  json& entry = auths_[mount];
  std::string base = "userpass/" + entry.value("uuid", "") + "/user/";
  bool write = req.op == Operation::kCreate || req.op == Operation::kUpdate;

  if (rest == "users/") {
    if (req.op != Operation::kList) return Err(405, "unsupported operation");
    auto keys = barrier_->List(base);
    if (!keys.ok()) return Fail(keys.status());
    json list = json::array();
    for (const std::string& k : *keys) list.push_back(k.substr(base.size()));
    if (list.empty()) return Err(404, "");
    return WithData({{"keys", list}});
  }
  if (StartsWith(rest, "users/")) {
    std::string user = Lower(rest.substr(6));
    bool password_only = false;
    if (size_t slash = user.find('/'); slash != std::string::npos) {
      if (user.substr(slash) != "/password" && user.substr(slash) != "/policies") return Err(404, "");
      password_only = user.substr(slash) == "/password";
      user = user.substr(0, slash);
    }
    if (user.empty()) return Err(400, "missing username");
    auto existing = GetJson(base + user);
    if (!existing.ok()) return Fail(existing.status());
    if (req.op == Operation::kRead) {
      if (!existing->has_value()) return Err(404, "");
      json d = **existing;
      d.erase("password_hash");
      return WithData(d);
    }
    if (req.op == Operation::kDelete) {
      if (absl::Status s = barrier_->Delete(base + user); !s.ok()) return Fail(s);
      return NoContent();
    }
    if (!write) return Err(405, "unsupported operation");
    json u = existing->value_or(json{{"token_policies", json::array()},
                                     {"token_period", 0},
                                     {"token_ttl", 0},
                                     {"token_max_ttl", 0},
                                     {"token_no_default_policy", false},
                                     {"token_bound_cidrs", json::array()},
                                     {"token_type", "default"}});
    const json& d = req.data;
    if (d.contains("password")) {
      if (!d["password"].is_string() || d["password"].get<std::string>().empty()) {
        return Err(400, "missing password");
      }
      std::string password = d["password"].get<std::string>();
      lock.unlock();  // bcrypt takes tens of milliseconds: do not hold up other requests.
      auto hash = BcryptHash(password);
      lock.lock();
      if (!hash.ok()) return Fail(hash.status());
      u["password_hash"] = *hash;
    } else if (!existing->has_value() || password_only) {
      return Err(400, "missing password");
    }
    if (!password_only) {
      if (d.contains("token_policies") || d.contains("policies")) {
        std::vector<std::string> ps = StringList(d.contains("token_policies") ? d["token_policies"] : d["policies"]);
        for (auto& p : ps) p = Lower(p);
        u["token_policies"] = SortedUnique(ps);
      }
      for (auto [from, to] : {std::pair{"token_period", "token_period"}, {"period", "token_period"},
                              {"token_ttl", "token_ttl"}, {"ttl", "token_ttl"},
                              {"token_max_ttl", "token_max_ttl"}, {"max_ttl", "token_max_ttl"}}) {
        if (d.contains(from)) {
          auto v = ParseTtl(d[from]);
          if (!v.ok()) return Err(400, fmt::format("{}: {}", from, std::string(v.status().message())));
          u[to] = *v;
        }
      }
      if (d.contains("token_no_default_policy")) u["token_no_default_policy"] = d.value("token_no_default_policy", false);
      if (d.contains("token_bound_cidrs")) u["token_bound_cidrs"] = StringList(d["token_bound_cidrs"]);
    }
    if (absl::Status s = PutJson(base + user, u); !s.ok()) return Fail(s);
    return NoContent();
  }
  if (StartsWith(rest, "login/")) {
    if (!write) return Err(405, "unsupported operation");
    std::string user = Lower(rest.substr(6));
    std::string password = req.data.value("password", "");
    auto doc = GetJson(base + user);
    if (!doc.ok()) return Fail(doc.status());
    std::string hash = doc->has_value() ? (**doc).value("password_hash", "") : "";
    lock.unlock();
    bool ok = !hash.empty() && !password.empty() && BcryptVerify(password, hash);
    lock.lock();
    if (!ok) return Err(400, "invalid username or password");
    // Re-read: the user may have changed while the lock was released.
    doc = GetJson(base + user);
    if (!doc.ok()) return Fail(doc.status());
    if (!doc->has_value()) return Err(400, "invalid username or password");
    const json& u = **doc;

    std::string accessor = entry.value("accessor", "");
    auto entity = EntityByAlias(accessor, user);
    if (!entity) {
      auto created = CreateEntity("", json::object(), {});
      if (!created.ok()) return Fail(created.status());
      json& e = entities_[(*created)["id"].get<std::string>()];
      e["aliases"].push_back({{"id", Uuid()},
                              {"canonical_id", e["id"]},
                              {"mount_accessor", accessor},
                              {"mount_type", "userpass"},
                              {"mount_path", "auth/" + mount},
                              {"name", user},
                              {"metadata", nullptr},
                              {"creation_time", Rfc3339(Now())}});
      if (absl::Status s = PutJson("identity/entity/" + e["id"].get<std::string>(), e); !s.ok()) return Fail(s);
      entity = e;
    }
    if (entity->value("disabled", false)) return Err(403, "permission denied");

    Token t;
    t.policies = StringList(u["token_policies"]);
    if (!u.value("token_no_default_policy", false)) t.policies.push_back("default");
    t.policies = SortedUnique(t.policies);
    t.meta = {{"username", user}};
    std::string mount_name = mount.substr(0, mount.size() - 1);
    t.display_name = mount_name + "-" + user;
    t.path = "auth/" + mount + "login/" + user;
    t.entity_id = entity->value("id", "");
    t.period = u.value("token_period", int64_t{0});
    t.explicit_max_ttl = 0;
    int64_t ttl = t.period > 0 ? t.period
                               : (u.value("token_ttl", int64_t{0}) > 0 ? u.value("token_ttl", int64_t{0})
                                                                       : options_.default_lease_ttl.count());
    int64_t max_ttl = u.value("token_max_ttl", int64_t{0});
    if (t.period == 0) {
      ttl = std::min(ttl, options_.max_lease_ttl.count());
      if (max_ttl > 0) ttl = std::min(ttl, max_ttl);
    }
    t.creation_time = Now();
    t.creation_ttl = ttl;
    t.expire_time = t.creation_time + ttl;
    t.renewable = true;
    auto id = CreateToken(t);
    if (!id.ok()) return Fail(id.status());
    LogicalResponse r;
    r.auth = AuthBlock(t, *id, IdentityPolicies(t.entity_id));
    return r;
  }
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", req.path));
}

// ---- identity ----

std::optional<json> Core::Impl::FindEntityByName(const std::string& name) {
  for (const auto& [id, e] : entities_) {
    if (Lower(e.value("name", "")) == Lower(name)) return e;
  }
  return std::nullopt;
}

std::optional<json> Core::Impl::EntityByAlias(const std::string& mount_accessor,
                                              const std::string& name) {
  for (const auto& [id, e] : entities_) {
    for (const auto& a : e.value("aliases", json::array())) {
      if (a.value("mount_accessor", "") == mount_accessor && a.value("name", "") == name) return e;
    }
  }
  return std::nullopt;
}

absl::StatusOr<json> Core::Impl::CreateEntity(const std::string& name, const json& metadata,
                                              const std::vector<std::string>& policies) {
  std::string id = Uuid();
  std::string now = Rfc3339(Now());
  json e = {{"id", id},
            {"name", name.empty() ? "entity_" + id.substr(0, 8) : name},
            {"metadata", metadata.is_object() && !metadata.empty() ? metadata : json(nullptr)},
            {"policies", policies},
            {"disabled", false},
            {"aliases", json::array()},
            {"creation_time", now},
            {"last_update_time", now},
            {"direct_group_ids", json::array()},
            {"group_ids", json::array()},
            {"inherited_group_ids", json::array()},
            {"merged_entity_ids", nullptr},
            {"namespace_id", "root"}};
  DSTART_RETURN_IF_ERROR(PutJson("identity/entity/" + id, e));
  entities_[id] = e;
  return e;
}

Result Core::Impl::HandleIdentity(LogicalRequest& req) {
  const std::string p = req.path.substr(9);  // after "identity/"
  bool write = req.op == Operation::kCreate || req.op == Operation::kUpdate;

  auto update_entity = [&](json& e, const json& d) -> std::optional<ApiError> {
    if (d.contains("metadata")) {
      if (!d["metadata"].is_object() && !d["metadata"].is_null()) return Err(400, "metadata must be a map");
      e["metadata"] = d["metadata"];
    }
    if (d.contains("policies")) {
      std::vector<std::string> ps = StringList(d["policies"]);
      for (auto& x : ps) x = Lower(x);
      e["policies"] = SortedUnique(ps);
    }
    if (d.contains("disabled")) e["disabled"] = d.value("disabled", false);
    e["last_update_time"] = Rfc3339(Now());
    if (absl::Status s = PutJson("identity/entity/" + e["id"].get<std::string>(), e); !s.ok()) return Fail(s);
    entities_[e["id"].get<std::string>()] = e;
    return std::nullopt;
  };
  auto delete_entity = [&](const std::string& id) -> Result {
    if (absl::Status s = barrier_->Delete("identity/entity/" + id); !s.ok()) return Fail(s);
    entities_.erase(id);
    return NoContent();
  };
  auto entity_data = [](const json& e) { return e; };

  if (p == "entity/name/" || p == "entity/id/") {
    if (req.op != Operation::kList) return Err(405, "unsupported operation");
    bool by_name = p == "entity/name/";
    json keys = json::array(), info = json::object();
    for (const auto& [id, e] : entities_) {
      keys.push_back(by_name ? e["name"] : e["id"]);
      info[by_name ? e["name"].get<std::string>() : id] = {{"name", e["name"]}, {"id", id}};
    }
    if (keys.empty()) return Err(404, "");
    return WithData({{"keys", keys}, {"key_info", info}});
  }
  if (p == "entity" && write) {
    std::string name = req.data.value("name", "");
    if (!name.empty() && FindEntityByName(name)) return Err(400, "entity name is already in use");
    auto e = CreateEntity(name, req.data.value("metadata", json::object()), {});
    if (!e.ok()) return Fail(e.status());
    json ej = *e;
    if (auto err = update_entity(ej, req.data)) return *err;
    return WithData({{"id", ej["id"]}, {"name", ej["name"]}, {"aliases", nullptr}});
  }
  if (StartsWith(p, "entity/name/")) {
    std::string name = p.substr(12);
    auto e = FindEntityByName(name);
    if (req.op == Operation::kRead) {
      if (!e) return Err(404, "");
      return WithData(entity_data(*e));
    }
    if (req.op == Operation::kDelete) {
      if (!e) return NoContent();
      return delete_entity((*e)["id"]);
    }
    if (!write) return Err(405, "unsupported operation");
    if (e) {
      if (auto err = update_entity(*e, req.data)) return *err;
      return NoContent();
    }
    auto created = CreateEntity(name, req.data.value("metadata", json::object()), {});
    if (!created.ok()) return Fail(created.status());
    json ej = *created;
    if (auto err = update_entity(ej, req.data)) return *err;
    return WithData({{"id", ej["id"]}, {"name", ej["name"]}, {"aliases", nullptr}});
  }
  if (StartsWith(p, "entity/id/")) {
    std::string id = p.substr(10);
    auto it = entities_.find(id);
    if (req.op == Operation::kRead) {
      if (it == entities_.end()) return Err(404, "");
      return WithData(entity_data(it->second));
    }
    if (req.op == Operation::kDelete) {
      if (it == entities_.end()) return NoContent();
      return delete_entity(id);
    }
    if (!write) return Err(405, "unsupported operation");
    if (it == entities_.end()) return Err(404, "entity not found");
    json e = it->second;
    if (auto err = update_entity(e, req.data)) return *err;
    return NoContent();
  }
  if (p == "entity-alias" || p == "alias") {
    if (!write) return Err(405, "unsupported operation");
    std::string name = req.data.value("name", "");
    std::string canonical = req.data.value("canonical_id", req.data.value("entity_id", ""));
    std::string accessor = req.data.value("mount_accessor", "");
    if (name.empty()) return Err(400, "missing alias name");
    std::string mount_type, mount_path;
    for (const auto& [path, entry] : auths_.items()) {
      if (entry.value("accessor", "") == accessor) {
        mount_type = entry.value("type", "");
        mount_path = "auth/" + path;
      }
    }
    if (mount_type.empty()) return Err(400, "invalid mount accessor \"" + accessor + "\"");
    if (mount_type == "userpass") name = Lower(name);
    auto target = entities_.find(canonical);
    if (target == entities_.end()) return Err(400, "invalid canonical ID \"" + canonical + "\"");
    if (auto owner = EntityByAlias(accessor, name)) {
      if ((*owner)["id"] == canonical) return NoContent();
      return Err(400, fmt::format("alias with combination of mount accessor and name already exists "
                                  "for entity {}", (*owner)["id"].get<std::string>()));
    }
    for (const auto& a : target->second["aliases"]) {
      if (a.value("mount_accessor", "") == accessor) {
        return Err(400, fmt::format("mount accessor {} has already been used by alias {} of entity {}",
                                    accessor, a.value("id", ""), canonical));
      }
    }
    std::string id = Uuid();
    json e = target->second;
    e["aliases"].push_back({{"id", id}, {"canonical_id", canonical}, {"mount_accessor", accessor},
                            {"mount_type", mount_type}, {"mount_path", mount_path}, {"name", name},
                            {"metadata", nullptr}, {"creation_time", Rfc3339(Now())}});
    if (absl::Status s = PutJson("identity/entity/" + canonical, e); !s.ok()) return Fail(s);
    entities_[canonical] = e;
    return WithData({{"id", id}, {"canonical_id", canonical}});
  }
  if (StartsWith(p, "entity-alias/id/")) {
    std::string id = p.substr(16);
    for (auto& [eid, e] : entities_) {
      json& aliases = e["aliases"];
      for (size_t i = 0; i < aliases.size(); ++i) {
        if (aliases[i].value("id", "") != id) continue;
        if (req.op == Operation::kRead) return WithData(aliases[i]);
        if (req.op == Operation::kDelete) {
          aliases.erase(i);
          if (absl::Status s = PutJson("identity/entity/" + eid, e); !s.ok()) return Fail(s);
          return NoContent();
        }
        return Err(405, "unsupported operation");
      }
    }
    if (req.op == Operation::kDelete) return NoContent();
    return Err(404, "");
  }
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", req.path));
}

}  // namespace dstart::secretstore
