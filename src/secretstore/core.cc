// Wire conventions (spec/secretstore.md §1), authentication and authorization, and sys/*.
#include <sys/stat.h>

#include <cstdio>
#include <ctime>

#include "common/duration.h"
#include "common/encoding.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "fmt/format.h"
#include "secretstore/core_internal.h"

namespace dstart::secretstore {

namespace http = common::http;

namespace {

constexpr std::string_view kVersion = "2.4.0";

// OpenBao's built-in default policy (the parts EdgeX relies on, §3.1, plus the usual self paths).
constexpr std::string_view kDefaultPolicy = R"(# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own entity by id or name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# Allow a token to look up its resultant ACL from all policies
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}
)";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

json ErrorBody(const std::vector<std::string>& errors) {
  return json{{"errors", errors}};
}

http::Response JsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = body.dump();
  return r;
}

// Paths answered without a token (§1.10).
bool Unauthenticated(std::string_view path) {
  return path == "sys/health" || path == "sys/init" || path == "sys/unseal" ||
         path == "sys/seal-status" || path == "sys/leader" ||
         StartsWith(path, "sys/generate-root/") || StartsWith(path, "identity/oidc/.well-known/");
}

}  // namespace

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kRead: return "read";
    case Operation::kList: return "list";
    case Operation::kCreate: return "create";
    case Operation::kUpdate: return "update";
    case Operation::kDelete: return "delete";
  }
  return "";
}

ApiError Err(int status, std::string message) {
  ApiError e{status, {}};
  if (!message.empty()) e.errors.push_back(std::move(message));
  return e;
}
LogicalResponse NoContent() { return LogicalResponse{}; }
LogicalResponse WithData(json data) {
  LogicalResponse r;
  r.data = std::move(data);
  return r;
}

absl::StatusOr<int64_t> ParseTtl(const json& value) {
  if (value.is_null()) return 0;
  if (value.is_number_integer()) {
    if (value.get<int64_t>() < 0) return absl::InvalidArgumentError("duration is negative");
    return value.get<int64_t>();
  }
  if (value.is_number()) return static_cast<int64_t>(value.get<double>());
  if (!value.is_string()) return absl::InvalidArgumentError("expected a duration");
  std::string s = value.get<std::string>();
  if (s.empty()) return 0;
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    if (s.size() > 12) return absl::InvalidArgumentError(fmt::format("duration \"{}\" is too large", s));
    return std::stoll(s);
  }
  auto d = common::ParseDuration(s);
  if (!d.ok()) return d.status();
  if (d->count() < 0) return absl::InvalidArgumentError(fmt::format("duration \"{}\" is negative", s));
  return std::chrono::duration_cast<std::chrono::seconds>(*d).count();
}

std::string RandomId(size_t chars) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < chars) {
    for (uint8_t b : crypto::RandomBytes(chars * 2)) {
      if (b >= 248) continue;  // 248 = 4 * 62: reject to stay uniform.
      out.push_back(kAlphabet[b % 62]);
      if (out.size() == chars) break;
    }
  }
  return out;
}

std::string Uuid() {
  Bytes b = crypto::RandomBytes(16);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string h = common::HexEncode(b);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20));
}

std::string Sha256Hex(std::string_view s) {
  return common::HexEncode(crypto::Sha256(common::AsBytes(s)));
}

std::string Rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<std::string> StringList(const json& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  } else if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string item = s.substr(start, comma - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::vector<std::string> SortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

absl::Status Core::Impl::Open() {
  auto storage = Storage::Open(options_.storage_path);
  if (!storage.ok()) return storage.status();
  storage_ = std::move(*storage);
  ::chmod(options_.storage_path.c_str(), 0600);
  barrier_ = std::make_unique<Barrier>(storage_.get());
  if (!options_.audit_path.empty()) {
    audit_file_ = std::fopen(options_.audit_path.c_str(), "a");
    if (audit_file_ == nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("audit log {}: {}", options_.audit_path, std::strerror(errno)));
    }
    ::chmod(options_.audit_path.c_str(), 0600);
  }
  return absl::OkStatus();
}

absl::Status Core::Impl::PutJson(const std::string& key, const json& value) {
  std::string text = value.dump();
  return barrier_->Put(key, common::AsBytes(text));
}

absl::StatusOr<std::optional<json>> Core::Impl::GetJson(const std::string& key) {
  auto raw = barrier_->Get(key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<json>();
  auto j = json::parse(common::AsChars(**raw), nullptr, false);
  if (j.is_discarded()) return absl::DataLossError(fmt::format("storage: {} is corrupt", key));
  return std::optional<json>(std::move(j));
}

// Reads the configuration tables into memory, creating the defaults on first unseal.
absl::Status Core::Impl::LoadAfterUnseal() {
  policies_.clear();
  entities_.clear();
  token_cache_.clear();
  auto mounts = GetJson("core/mounts");
  if (!mounts.ok()) return mounts.status();
  if (mounts->has_value()) {
    mounts_ = **mounts;
  } else {
    mounts_ = {
        {"cubbyhole/", {{"type", "cubbyhole"}, {"description", "per-token private secret storage"},
                        {"accessor", "cubbyhole_" + RandomId(8)}, {"uuid", Uuid()},
                        {"options", nullptr}, {"local", true}, {"seal_wrap", false}}},
        {"identity/", {{"type", "identity"}, {"description", "identity store"},
                       {"accessor", "identity_" + RandomId(8)}, {"uuid", Uuid()},
                       {"options", nullptr}, {"local", false}, {"seal_wrap", false}}},
        {"sys/", {{"type", "system"}, {"description", "system endpoints used for control, policy and debugging"},
                  {"accessor", "system_" + RandomId(8)}, {"uuid", Uuid()},
                  {"options", nullptr}, {"local", false}, {"seal_wrap", false}}},
    };
    DSTART_RETURN_IF_ERROR(PutJson("core/mounts", mounts_));
  }
  auto auths = GetJson("core/auth");
  if (!auths.ok()) return auths.status();
  if (auths->has_value()) {
    auths_ = **auths;
  } else {
    auths_ = {{"token/", {{"type", "token"}, {"description", "token based credentials"},
                          {"accessor", "auth_token_" + RandomId(8)}, {"uuid", Uuid()},
                          {"options", nullptr}, {"local", false}, {"seal_wrap", false}}}};
    DSTART_RETURN_IF_ERROR(PutJson("core/auth", auths_));
  }
  auto key = barrier_->Get("core/audit-hmac-key");
  if (!key.ok()) return key.status();
  if (key->has_value()) {
    audit_key_ = **key;
  } else {
    audit_key_ = crypto::RandomBytes(32);
    DSTART_RETURN_IF_ERROR(barrier_->Put("core/audit-hmac-key", audit_key_));
  }
  auto names = barrier_->List("policy/");
  if (!names.ok()) return names.status();
  for (const std::string& k : *names) {
    auto doc = GetJson(k);
    if (!doc.ok()) return doc.status();
    if (!doc->has_value()) continue;
    std::string name = (**doc).value("name", "");
    auto p = ParsePolicy(name, (**doc).value("policy", ""));
    if (p.ok()) policies_[name] = std::move(*p);
  }
  if (!policies_.count("default")) {
    auto p = ParsePolicy("default", kDefaultPolicy);
    if (!p.ok()) return p.status();
    DSTART_RETURN_IF_ERROR(PutJson("policy/default", {{"name", "default"}, {"policy", kDefaultPolicy}}));
    policies_["default"] = std::move(*p);
  }
  signing_keys_.clear();
  auto oidc = GetJson("oidc/config");
  if (!oidc.ok()) return oidc.status();
  oidc_issuer_ = oidc->has_value() ? (**oidc).value("issuer", "") : "";
  auto ents = barrier_->List("identity/entity/");
  if (!ents.ok()) return ents.status();
  for (const std::string& k : *ents) {
    auto doc = GetJson(k);
    if (!doc.ok()) return doc.status();
    if (doc->has_value()) entities_[(**doc).value("id", "")] = **doc;
  }
  return absl::OkStatus();
}

const Policy* Core::Impl::FindPolicy(const std::string& name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

std::string Core::Impl::MountAccessor(const std::string& auth_path) {
  if (!auths_.contains(auth_path)) return "";
  return auths_[auth_path].value("accessor", "");
}

namespace {
// §3.7: operations that need sudo besides the capability.
bool NeedsSudo(const LogicalRequest& req) {
  const std::string& p = req.path;
  if (p == "auth/token/accessors/" && req.op == Operation::kList) return true;
  if (StartsWith(p, "auth/token/create") &&
      (req.data.contains("period") || req.data.contains("no_parent") || req.data.contains("id"))) {
    // no_parent is ignored on a role path; only period and id need sudo there.
    if (StartsWith(p, "auth/token/create/") && !req.data.contains("period") &&
        !req.data.contains("id"))
      return false;
    return true;
  }
  if (StartsWith(p, "sys/auth/") && (req.op != Operation::kRead && req.op != Operation::kList)) return true;
  if (p == "sys/seal" || p == "sys/step-down" || StartsWith(p, "sys/audit") ||
      StartsWith(p, "sys/raw") || StartsWith(p, "sys/rotate") || p == "sys/remount") {
    return true;
  }
  return false;
}
}  // namespace

std::optional<ApiError> Core::Impl::Authorize(LogicalRequest& req) {
  if (req.client_token.empty()) return Err(403, "permission denied");
  auto token = LookupToken(req.client_token);
  if (!token.ok()) return Err(500, std::string(token.status().message()));
  if (!token->has_value()) return Err(403, "permission denied");
  req.token = std::move(**token);
  const Token& t = *req.token;
  if (t.root()) return std::nullopt;

  std::vector<const Policy*> policies;
  for (const std::string& name : t.policies) policies.push_back(FindPolicy(name));
  TemplateValues values;
  if (!t.entity_id.empty()) {
    auto it = entities_.find(t.entity_id);
    if (it != entities_.end()) {
      if (it->second.value("disabled", false)) return Err(403, "permission denied");
      values.entity_id = t.entity_id;
      values.entity_name = it->second.value("name", "");
      for (const std::string& name : StringList(it->second["policies"])) {
        policies.push_back(FindPolicy(name));
      }
    }
  }
  Acl acl(policies, values);
  bool is_list = req.op == Operation::kList;
  uint32_t caps = acl.Capabilities(req.path, is_list);
  if (caps & kCapDeny) return Err(403, "permission denied");
  uint32_t needed = 0;
  switch (req.op) {
    case Operation::kRead: needed = kCapRead; break;
    case Operation::kList: needed = kCapList; break;
    case Operation::kDelete: needed = kCapDelete; break;
    case Operation::kCreate:
    case Operation::kUpdate:
      req.op = Exists(req.path) ? Operation::kUpdate : Operation::kCreate;
      needed = req.op == Operation::kUpdate ? kCapUpdate : kCapCreate;
      break;
  }
  if ((caps & needed) != needed) return Err(403, "permission denied");
  if (NeedsSudo(req) && !(caps & kCapSudo)) return Err(403, "permission denied");
  return std::nullopt;
}

void Core::Impl::Audit(const Bytes& key, const LogicalRequest& req, int status,
                       const json& response_body) {
  // The HMAC key lives behind the barrier: nothing is audited before the first unseal.
  if (audit_file_ == nullptr || key.empty()) return;
  auto hmac = [&key](const std::string& v) {
    return "hmac-sha256:" + common::HexEncode(crypto::HmacSha256(key, common::AsBytes(v)));
  };
  // Every string value in request and response data is replaced by its HMAC, as OpenBao's file
  // audit device does by default.
  std::function<json(const json&)> scrub = [&](const json& v) -> json {
    if (v.is_string()) return hmac(v.get<std::string>());
    if (v.is_object()) {
      json o = json::object();
      for (const auto& [k, e] : v.items()) o[k] = scrub(e);
      return o;
    }
    if (v.is_array()) {
      json a = json::array();
      for (const auto& e : v) a.push_back(scrub(e));
      return a;
    }
    return v;
  };
  json entry = {{"time", Rfc3339(Now())}, {"type", "response"}};
  json auth = json::object();
  if (!req.client_token.empty()) auth["client_token"] = hmac(req.client_token);
  if (req.token) {
    auth["accessor"] = hmac(req.token->accessor);
    auth["policies"] = req.token->policies;
    auth["display_name"] = req.token->display_name;
    if (!req.token->entity_id.empty()) auth["entity_id"] = req.token->entity_id;
  }
  entry["auth"] = auth;
  entry["request"] = {{"id", req.request_id},
                      {"operation", OperationName(req.op)},
                      {"path", req.path},
                      {"remote_address", req.remote_address},
                      {"data", req.data.empty() ? json(nullptr) : scrub(req.data)}};
  if (!req.client_token.empty()) entry["request"]["client_token"] = hmac(req.client_token);
  json resp = {{"status_code", status}};
  if (response_body.is_object()) {
    json body = response_body;
    resp["data"] = body.contains("data") ? scrub(body["data"]) : json(nullptr);
    if (body.contains("auth") && !body["auth"].is_null()) resp["auth"] = scrub(body["auth"]);
    if (body.contains("errors")) resp["errors"] = body["errors"];
    if (!body.contains("data") && !body.contains("auth") && !body.contains("errors")) {
      resp["data"] = scrub(body);
    }
  }
  entry["response"] = resp;
  std::string line = entry.dump() + "\n";
  std::lock_guard lock(audit_mu_);
  std::fwrite(line.data(), 1, line.size(), audit_file_);
  std::fflush(audit_file_);
}

http::Response Core::Impl::Handle(const http::Request& http_req) {
  std::string_view target_path = http_req.Path();
  if (!StartsWith(target_path, "/v1/")) return JsonResponse(404, ErrorBody({}));
  auto decoded = http::PercentDecode(target_path.substr(4));
  if (!decoded.ok()) return JsonResponse(400, ErrorBody({"invalid path encoding"}));
  LogicalRequest req;
  req.path = std::move(*decoded);
  req.remote_address = http_req.remote_address;
  req.request_id = Uuid();
  for (size_t start = 0; start <= req.path.size();) {
    size_t slash = req.path.find('/', start);
    std::string_view seg = std::string_view(req.path).substr(start, slash - start);
    if (seg == "." || seg == "..") return JsonResponse(400, ErrorBody({"invalid path: dot segments are not allowed"}));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  auto query = http::ParseQuery(http_req.Query());
  if (!query.ok()) return JsonResponse(400, ErrorBody({std::string(query.status().message())}));
  bool list_param = false;
  for (const auto& [k, v] : *query) {
    if (k == "list" && (v == "true" || v == "1")) list_param = true;
  }

  const std::string& m = http_req.method;
  if (m == "GET" || m == "HEAD") {
    req.op = list_param ? Operation::kList : Operation::kRead;
  } else if (m == "LIST") {
    req.op = Operation::kList;
  } else if (m == "POST" || m == "PUT") {
    req.op = Operation::kUpdate;
  } else if (m == "DELETE") {
    req.op = Operation::kDelete;
  } else {
    return JsonResponse(405, ErrorBody({fmt::format("unsupported operation {}", m)}));
  }
  if (req.op == Operation::kList && (req.path.empty() || req.path.back() != '/')) req.path += '/';

  // §1.4: JSON whatever the Content-Type says; an empty body is an empty object.
  if (!http_req.body.empty() && http_req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    req.data = json::parse(http_req.body, nullptr, false);
    if (req.data.is_discarded()) {
      return JsonResponse(400, ErrorBody({"failed to parse JSON input: invalid JSON body"}));
    }
    if (req.data.is_null()) req.data = json::object();
    if (!req.data.is_object()) {
      return JsonResponse(400, ErrorBody({"failed to parse JSON input: body must be a JSON object"}));
    }
  }
  // GET parameters become data, as OpenBao does for reads.
  if (req.op == Operation::kRead || req.op == Operation::kList) {
    for (const auto& [k, v] : *query) {
      if (k != "list" && !req.data.contains(k)) req.data[k] = v;
    }
  }

  std::string_view token = http::HeaderValue(http_req.headers, "X-Vault-Token");
  if (token.empty()) {
    std::string_view authz = http::HeaderValue(http_req.headers, "Authorization");
    if (StartsWith(authz, "Bearer ")) token = authz.substr(7);
  }
  req.client_token = std::string(token);
  if (!http::HeaderValue(http_req.headers, "X-Vault-Namespace").empty()) {
    return JsonResponse(400, ErrorBody({"namespaces are not supported by this server"}));
  }

  std::unique_lock lock(mu_);
  Result result;
  if (Unauthenticated(req.path) && StartsWith(req.path, "sys/")) {
    result = HandleSysUnauthenticated(req, http_req);
  } else if (barrier_->sealed()) {
    result = Err(503, "Vault is sealed");
  } else {
    bool login = StartsWith(req.path, "auth/") && req.path.find("/login/") != std::string::npos;
    bool open = login || Unauthenticated(req.path);
    if (open) {
      if (!req.client_token.empty()) {
        // A token on an unauthenticated path is looked up only for the audit record.
        if (auto t = LookupToken(req.client_token); t.ok() && t->has_value()) req.token = **t;
      }
      result = Dispatch(req, lock);
    } else if (auto denied = Authorize(req)) {
      result = *denied;
    } else {
      result = Dispatch(req, lock);
    }
  }
  if (!lock.owns_lock()) lock.lock();
  Bytes audit_key = audit_key_;
  lock.unlock();

  int status;
  json body;
  if (auto* err = std::get_if<ApiError>(&result)) {
    status = err->status;
    body = ErrorBody(err->errors);
  } else {
    auto& r = std::get<LogicalResponse>(result);
    if (!r.raw.is_null()) {
      status = r.status ? r.status : 200;
      body = std::move(r.raw);
    } else if (r.data.is_null() && r.auth.is_null() && r.warnings.empty()) {
      status = r.status ? r.status : 204;
    } else {
      status = r.status ? r.status : 200;
      body = {{"request_id", req.request_id},
              {"lease_id", ""},
              {"renewable", r.renewable},
              {"lease_duration", r.lease_duration},
              {"data", r.data},
              {"wrap_info", nullptr},
              {"warnings", r.warnings.empty() ? json(nullptr) : json(r.warnings)},
              {"auth", r.auth}};
    }
  }
  Audit(audit_key, req, status, body);
  if (status == 204) {
    http::Response r;
    r.status = 204;
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  return JsonResponse(status, body);
}

Result Core::Impl::Dispatch(LogicalRequest& req, std::unique_lock<std::mutex>& lock) {
  const std::string& p = req.path;
  if (StartsWith(p, "sys/")) return HandleSys(req, lock);
  if (StartsWith(p, "auth/token/")) return HandleToken(req);
  if (StartsWith(p, "identity/oidc/")) return HandleOidc(req, p.substr(14));
  if (StartsWith(p, "identity/")) return HandleIdentity(req);
  if (StartsWith(p, "auth/")) {
    std::string rest = p.substr(5);
    for (const auto& [mount, entry] : auths_.items()) {
      if (StartsWith(rest, mount) && entry.value("type", "") == "userpass") {
        return HandleUserpass(req, mount, rest.substr(mount.size()), lock);
      }
    }
    return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", p));
  }
  // Longest mount prefix.
  std::string best;
  for (const auto& [mount, entry] : mounts_.items()) {
    if (StartsWith(p, mount) && mount.size() > best.size()) best = mount;
    // A request for the bare mount path ("secret" rather than "secret/").
    if (p + "/" == mount && mount.size() > best.size()) best = mount;
  }
  if (!best.empty() && mounts_[best].value("type", "") == "kv") {
    std::string rest = p.size() >= best.size() ? p.substr(best.size()) : "";
    return HandleKv(req, best, rest);
  }
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", p));
}

bool Core::Impl::Exists(const std::string& path) {
  for (const auto& [mount, entry] : mounts_.items()) {
    if (StartsWith(path, mount) && entry.value("type", "") == "kv") {
      auto v = barrier_->Get("kv/" + entry.value("uuid", "") + "/" + path.substr(mount.size()));
      return v.ok() && v->has_value();
    }
  }
  if (StartsWith(path, "auth/token/roles/")) {
    auto v = barrier_->Get("token/role/" + path.substr(17));
    return v.ok() && v->has_value();
  }
  if (StartsWith(path, "auth/")) {
    std::string rest = path.substr(5);
    for (const auto& [mount, entry] : auths_.items()) {
      if (StartsWith(rest, mount + "users/")) {
        std::string user = rest.substr(mount.size() + 6);
        std::transform(user.begin(), user.end(), user.begin(), ::tolower);
        auto v = barrier_->Get("userpass/" + entry.value("uuid", "") + "/user/" + user);
        return v.ok() && v->has_value();
      }
    }
  }
  // Endpoints without an existence check are updates (§3.6).
  return true;
}

namespace {
json SealStatus(const std::optional<SealConfig>& config, const UnsealProgress& progress) {
  return {{"type", "shamir"},
          {"initialized", config.has_value()},
          {"sealed", progress.sealed},
          {"t", config ? config->threshold : 0},
          {"n", config ? config->shares : 0},
          {"progress", progress.progress},
          {"nonce", ""},
          {"version", kVersion},
          {"build_date", "2025-01-01T00:00:00Z"},
          {"migration", false},
          {"recovery_seal", false},
          {"storage_type", "sqlite"}};
}

absl::StatusOr<Bytes> DecodeKey(const std::string& key) {
  if (auto h = common::HexDecode(key); h.ok()) return h;
  return common::Base64Decode(key);
}

int QueryCode(const json& data, const char* name, int fallback) {
  if (!data.contains(name)) return fallback;
  const json& v = data[name];
  if (v.is_number_integer()) return v.get<int>();
  if (v.is_string()) {
    try {
      return std::stoi(v.get<std::string>());
    } catch (...) {
    }
  }
  return fallback;
}

bool QueryBool(const json& data, const char* name) {
  if (!data.contains(name)) return false;
  const json& v = data[name];
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    return s == "true" || s == "1" || s.empty();
  }
  return false;
}
}  // namespace

Result Core::Impl::HandleSysUnauthenticated(LogicalRequest& req, const http::Request& http) {
  auto config = barrier_->Config();
  if (!config.ok()) return Err(500, std::string(config.status().message()));
  const std::string& p = req.path;

  if (p == "sys/health") {
    if (req.op != Operation::kRead) return Err(405, "unsupported operation");
    bool initialized = config->has_value();
    bool sealed = barrier_->sealed();
    int code;
    if (!initialized) {
      code = QueryCode(req.data, "uninitcode", 501);
    } else if (sealed) {
      code = QueryCode(req.data, "sealedcode", 503);
    } else {
      code = QueryCode(req.data, "activecode", 200);
    }
    LogicalResponse r;
    r.status = code;
    r.raw = {{"initialized", initialized},
             {"sealed", sealed},
             {"standby", false},
             {"performance_standby", false},
             {"replication_performance_mode", "disabled"},
             {"replication_dr_mode", "disabled"},
             {"server_time_utc", Now()},
             {"version", kVersion},
             {"cluster_name", initialized ? "dstart-secretstore" : ""},
             {"cluster_id", ""}};
    (void)QueryBool;
    if (http.method == "HEAD") r.raw = json::object();
    return r;
  }
  if (p == "sys/seal-status") {
    if (req.op != Operation::kRead) return Err(405, "unsupported operation");
    LogicalResponse r;
    r.raw = SealStatus(*config, barrier_->Progress());
    return r;
  }
  if (p == "sys/leader") {
    LogicalResponse r;
    r.raw = {{"ha_enabled", false}, {"is_self", false}, {"active_time", "0001-01-01T00:00:00Z"},
             {"leader_address", ""}, {"leader_cluster_address", ""},
             {"performance_standby", false}, {"performance_standby_last_remote_wal", 0}};
    return r;
  }
  if (p == "sys/init") {
    if (req.op == Operation::kRead) {
      LogicalResponse r;
      r.raw = {{"initialized", config->has_value()}};
      return r;
    }
    if (req.op != Operation::kUpdate) return Err(405, "unsupported operation");
    if (config->has_value()) return Err(400, "Vault is already initialized");
    SealConfig c;
    const json& d = req.data;
    if (!d.contains("secret_shares") || !d["secret_shares"].is_number_integer() ||
        !d.contains("secret_threshold") || !d["secret_threshold"].is_number_integer()) {
      return Err(400, "secret_shares and secret_threshold must be integers");
    }
    c.shares = d["secret_shares"].get<int>();
    c.threshold = d["secret_threshold"].get<int>();
    auto shares = barrier_->Initialize(c);
    if (!shares.ok()) {
      int code = shares.status().code() == absl::StatusCode::kInvalidArgument ||
                         shares.status().code() == absl::StatusCode::kFailedPrecondition
                     ? 400
                     : 500;
      return Err(code, std::string(shares.status().message()));
    }
    // Unseal internally to create the root token and the defaults, then seal again (as OB).
    for (int i = 0; i < c.threshold; ++i) {
      auto pr = barrier_->Unseal((*shares)[i]);
      if (!pr.ok()) return Err(500, std::string(pr.status().message()));
    }
    if (absl::Status s = LoadAfterUnseal(); !s.ok()) return Err(500, std::string(s.message()));
    Token root;
    root.policies = {"root"};
    root.path = "auth/token/root";
    root.display_name = "root";
    auto id = CreateToken(root);
    barrier_->Seal();
    audit_key_.clear();
    token_cache_.clear();
    if (!id.ok()) return Err(500, std::string(id.status().message()));
    json keys = json::array(), keys_b64 = json::array();
    for (const Bytes& s : *shares) {
      keys.push_back(common::HexEncode(s));
      keys_b64.push_back(common::Base64Encode(s));
    }
    LogicalResponse r;
    r.raw = {{"keys", keys}, {"keys_base64", keys_b64}, {"root_token", *id}};
    return r;
  }
  if (p == "sys/unseal") {
    if (req.op != Operation::kUpdate) return Err(405, "unsupported operation");
    if (!config->has_value()) return Err(400, "Vault is not initialized");
    if (req.data.value("reset", false)) {
      barrier_->ResetUnseal();
    } else {
      if (!req.data.contains("key") || !req.data["key"].is_string()) {
        return Err(400, "'key' must be specified in request body as JSON, or 'reset' set to true");
      }
      auto key = DecodeKey(req.data["key"].get<std::string>());
      if (!key.ok()) return Err(400, "'key' must be a valid hex or base64 string");
      auto pr = barrier_->Unseal(*key);
      if (!pr.ok()) return Err(400, std::string(pr.status().message()));
      if (!pr->sealed) {
        if (absl::Status s = LoadAfterUnseal(); !s.ok()) {
          barrier_->Seal();
          return Err(500, std::string(s.message()));
        }
      }
    }
    LogicalResponse r;
    r.raw = SealStatus(*config, barrier_->Progress());
    return r;
  }
  if (StartsWith(p, "sys/generate-root/")) {
    if (barrier_->sealed()) return Err(503, "Vault is sealed");
    return HandleGenerateRoot(req);
  }
  return Err(404, "");
}

// Root-token generation with a one-time password (spec §2 B4-B6): the new token is returned
// XORed with the OTP and base64-encoded without padding.
Result Core::Impl::HandleGenerateRoot(LogicalRequest& req) {
  auto config = barrier_->Config();
  if (!config.ok()) return Err(500, std::string(config.status().message()));
  if (!config->has_value()) return Err(400, "Vault is not initialized");
  const SealConfig& c = **config;
  constexpr size_t kTokenLength = 26;  // "s." + 24 characters.
  auto status = [&](bool complete, const std::string& encoded) {
    LogicalResponse r;
    r.raw = {{"nonce", generate_root_ ? generate_root_->nonce : ""},
             {"started", generate_root_.has_value() || complete},
             {"progress", generate_root_ ? static_cast<int>(generate_root_->shares.size()) : 0},
             {"required", c.threshold},
             {"complete", complete},
             {"encoded_token", encoded},
             {"encoded_root_token", encoded},
             {"pgp_fingerprint", ""},
             {"otp", ""},
             {"otp_length", kTokenLength}};
    return r;
  };
  if (req.path == "sys/generate-root/attempt") {
    if (req.op == Operation::kDelete) {
      generate_root_.reset();
      return NoContent();
    }
    if (req.op == Operation::kRead) return status(false, "");
    if (generate_root_) return Err(400, "root generation already in progress");
    if (req.data.contains("pgp_key")) return Err(400, "PGP-encrypted root tokens are not supported by this server");
    generate_root_ = GenerateRoot{Uuid(), RandomId(kTokenLength), {}};
    LogicalResponse r = status(false, "");
    r.raw["otp"] = generate_root_->otp;
    return r;
  }
  if (req.path == "sys/generate-root/update") {
    if (req.op != Operation::kUpdate && req.op != Operation::kCreate) return Err(405, "unsupported operation");
    if (!generate_root_) return Err(400, "no root generation in progress");
    if (req.data.value("nonce", "") != generate_root_->nonce) return Err(400, "incorrect nonce supplied");
    auto key = common::HexDecode(req.data.value("key", ""));
    if (!key.ok()) key = common::Base64Decode(req.data.value("key", ""));
    if (!key.ok() || key->empty()) return Err(400, "'key' must be a valid hex or base64 string");
    for (const Bytes& b : generate_root_->shares) {
      if (b == *key) return status(false, "");
    }
    generate_root_->shares.push_back(std::move(*key));
    if (static_cast<int>(generate_root_->shares.size()) < c.threshold) return status(false, "");
    absl::Status ok = barrier_->CheckShares(generate_root_->shares);
    if (!ok.ok()) {
      generate_root_->shares.clear();
      return Err(400, std::string(ok.message()));
    }
    Token root;
    root.policies = {"root"};
    root.path = "auth/token/root";
    root.display_name = "root";
    auto id = CreateToken(root);
    if (!id.ok()) return Err(500, std::string(id.status().message()));
    std::string otp = generate_root_->otp;
    Bytes x(id->size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>((*id)[i] ^ otp[i % otp.size()]);
    std::string encoded = common::Base64Encode(x);
    while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
    LogicalResponse r = status(true, encoded);
    r.raw["nonce"] = generate_root_->nonce;
    r.raw["progress"] = c.threshold;
    generate_root_.reset();
    return r;
  }
  return Err(404, "");
}

Result Core::Impl::HandleSys(LogicalRequest& req, std::unique_lock<std::mutex>& lock) {
  const std::string& p = req.path;
  bool write = req.op == Operation::kCreate || req.op == Operation::kUpdate;
  if (p == "sys/seal") {
    if (!write) return Err(405, "unsupported operation");
    barrier_->Seal();
    audit_key_.clear();
    generate_root_.reset();
    token_cache_.clear();
    policies_.clear();
    entities_.clear();
    signing_keys_.clear();
    return NoContent();
  }
  if (StartsWith(p, "sys/policies/acl") || StartsWith(p, "sys/policy")) return HandlePolicy(req);
  if (StartsWith(p, "sys/audit-hash/")) {
    // The HMAC the audit log uses for `input`, so an operator can find a value in the log.
    if (!write) return Err(405, "unsupported operation");
    if (!req.data.contains("input") || !req.data["input"].is_string()) return Err(400, "missing input");
    std::string input = req.data["input"].get<std::string>();
    return WithData({{"hash", "hmac-sha256:" + common::HexEncode(crypto::HmacSha256(audit_key_, common::AsBytes(input)))}});
  }

  auto table_read = [&](json& table) {
    json data = json::object();
    for (const auto& [k, v] : table.items()) {
      json e = v;
      e.erase("uuid");
      data[k] = e;
    }
    LogicalResponse r = WithData(data);
    return r;
  };
  if (p == "sys/auth" && req.op == Operation::kRead) return table_read(auths_);
  if (p == "sys/mounts" && req.op == Operation::kRead) return table_read(mounts_);

  auto mount_name = [](std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s + "/";
  };
  if (StartsWith(p, "sys/auth/")) {
    std::string path = mount_name(p.substr(9));
    if (write) {
      std::string type = req.data.value("type", "");
      if (type != "userpass") {
        return Err(400, fmt::format("unknown auth method type: \"{}\"", type));
      }
      if (auths_.contains(path)) return Err(400, fmt::format("path is already in use at {}", path));
      auths_[path] = {{"type", type}, {"description", req.data.value("description", "")},
                      {"accessor", "auth_" + type + "_" + common::HexEncode(crypto::RandomBytes(4))},
                      {"uuid", Uuid()}, {"options", nullptr}, {"local", false}, {"seal_wrap", false},
                      {"config", {{"default_lease_ttl", 0}, {"max_lease_ttl", 0}}}};
      if (absl::Status s = PutJson("core/auth", auths_); !s.ok()) return Err(500, std::string(s.message()));
      return NoContent();
    }
    if (req.op == Operation::kDelete) {
      if (path == "token/") return Err(400, "token credential backend cannot be disabled");
      auths_.erase(path);
      if (absl::Status s = PutJson("core/auth", auths_); !s.ok()) return Err(500, std::string(s.message()));
      return NoContent();
    }
    if (req.op == Operation::kRead && auths_.contains(path)) return WithData(auths_[path]);
    return Err(405, "unsupported operation");
  }
  if (StartsWith(p, "sys/mounts/")) {
    std::string path = mount_name(p.substr(11));
    if (write) {
      std::string type = req.data.value("type", "");
      std::string version = "1";
      if (req.data.contains("options") && req.data["options"].is_object() &&
          req.data["options"].contains("version")) {
        const json& v = req.data["options"]["version"];
        version = v.is_string() ? v.get<std::string>() : v.dump();
      }
      if (type == "kv-v1") type = "kv";
      if (type != "kv") return Err(400, fmt::format("plugin not found in the catalog: {}", type));
      if (version != "1") {
        return Err(400, "only KV version 1 is supported by this server");
      }
      if (mounts_.contains(path)) {
        return Err(400, fmt::format("path is already in use at {}", path));
      }
      mounts_[path] = {{"type", "kv"}, {"description", req.data.value("description", "")},
                       {"accessor", "kv_" + common::HexEncode(crypto::RandomBytes(4))},
                       {"uuid", Uuid()}, {"options", {{"version", "1"}}}, {"local", false},
                       {"seal_wrap", false},
                       {"config", {{"default_lease_ttl", 0}, {"max_lease_ttl", 0}, {"force_no_cache", false}}}};
      if (absl::Status s = PutJson("core/mounts", mounts_); !s.ok()) return Err(500, std::string(s.message()));
      return NoContent();
    }
    if (req.op == Operation::kDelete) {
      if (path == "sys/" || path == "identity/" || path == "cubbyhole/") {
        return Err(400, fmt::format("cannot unmount \"{}\"", path));
      }
      if (mounts_.contains(path)) {
        std::string prefix = "kv/" + mounts_[path].value("uuid", "") + "/";
        auto keys = barrier_->List(prefix);
        std::vector<Barrier::Write> writes;
        if (keys.ok()) {
          for (auto& k : *keys) writes.push_back({k, std::nullopt});
        }
        mounts_.erase(path);
        std::string text = mounts_.dump();
        writes.push_back({"core/mounts", Bytes(text.begin(), text.end())});
        if (absl::Status s = barrier_->Commit(writes); !s.ok()) return Err(500, std::string(s.message()));
      }
      return NoContent();
    }
    if (req.op == Operation::kRead && mounts_.contains(path)) return WithData(mounts_[path]);
    return Err(405, "unsupported operation");
  }
  return Err(404, fmt::format("unsupported path {}", p));
}

void Core::Impl::SweepExpiredTokens() {
  std::lock_guard lock(mu_);
  if (barrier_->sealed()) return;
  auto keys = barrier_->List("token/id/");
  if (!keys.ok()) return;
  int64_t now = Now();
  for (const std::string& k : *keys) {
    auto doc = GetJson(k);
    if (!doc.ok() || !doc->has_value()) continue;
    Token t = Token::FromJson(**doc);
    if (t.expire_time != 0 && t.expire_time <= now) RevokeTree(t.hash).IgnoreError();
  }
}

absl::StatusOr<std::unique_ptr<Core>> Core::Open(CoreOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  DSTART_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

Core::Core(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Core::~Core() {
  if (impl_->audit_file_) std::fclose(impl_->audit_file_);
}
http::Response Core::Handle(const http::Request& request) { return impl_->Handle(request); }
void Core::SweepExpiredTokens() { impl_->SweepExpiredTokens(); }

}  // namespace dstart::secretstore
