// Internals of Core shared by its .cc files. Not a public interface.
#ifndef DSTART_SECRETSTORE_CORE_INTERNAL_H_
#define DSTART_SECRETSTORE_CORE_INTERNAL_H_

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

#include "nlohmann/json.hpp"
#include "secretstore/acl.h"
#include "secretstore/barrier.h"
#include "secretstore/core.h"
#include "secretstore/storage.h"

namespace dstart::crypto {
class PrivateKey;
}

namespace dstart::secretstore {

using json = nlohmann::json;

enum class Operation { kRead, kList, kCreate, kUpdate, kDelete };
std::string_view OperationName(Operation op);

// An error carrying the HTTP status it maps to (§1.7, §1.8).
struct ApiError {
  int status;
  std::vector<std::string> errors;
};

struct Token {
  std::string hash;  // SHA-256 hex of the token ID; the ID itself is never stored.
  std::string accessor;
  std::vector<std::string> policies;
  std::string path;
  json meta = json::object();
  std::string display_name;
  std::string parent_hash;  // Empty: orphan.
  std::string entity_id;
  std::string role;
  int64_t creation_time = 0;
  int64_t creation_ttl = 0;
  int64_t expire_time = 0;  // Unix seconds; 0 = never.
  int64_t period = 0;
  int64_t explicit_max_ttl = 0;
  int64_t last_renewal_time = 0;
  bool renewable = false;

  json ToJson() const;
  static Token FromJson(const json& j);
  bool root() const;
};

struct LogicalRequest {
  Operation op = Operation::kRead;
  std::string path;  // Without /v1/; LIST paths end in '/'.
  json data = json::object();
  std::string client_token;
  std::string remote_address;
  std::optional<Token> token;  // Set after authentication.
  std::string request_id;
};

struct LogicalResponse {
  int status = 0;    // 0: 200 when anything is returned, else 204 (§1.5).
  json data;         // null: none.
  json auth;         // null: none.
  json raw;          // Set: the body is exactly this object, no envelope.
  std::vector<std::string> warnings;
  int64_t lease_duration = 0;
  bool renewable = false;
};

using Result = std::variant<LogicalResponse, ApiError>;

class Core::Impl {
 public:
  explicit Impl(CoreOptions options) : options_(std::move(options)) {}

  absl::Status Open();
  common::http::Response Handle(const common::http::Request& request);
  void SweepExpiredTokens();

  // ---- core.cc: wire, auth, sys ----
  Result Dispatch(LogicalRequest& req, std::unique_lock<std::mutex>& lock);
  Result HandleSys(LogicalRequest& req, std::unique_lock<std::mutex>& lock);
  Result HandleSysUnauthenticated(LogicalRequest& req, const common::http::Request& http);
  std::optional<ApiError> Authorize(LogicalRequest& req);
  absl::Status LoadAfterUnseal();
  int64_t Now() const { return options_.now ? options_.now() : time(nullptr); }
  void Audit(const Bytes& key, const LogicalRequest& req, int status, const json& response_body);

  // ---- tokens.cc ----
  Result HandleToken(LogicalRequest& req);
  absl::StatusOr<std::optional<Token>> LookupToken(const std::string& id);
  absl::StatusOr<std::optional<Token>> TokenByHash(const std::string& hash);
  absl::StatusOr<std::optional<Token>> TokenByAccessor(const std::string& accessor);
  // Stores a new token; returns its ID.
  absl::StatusOr<std::string> CreateToken(Token& token);
  absl::Status SaveToken(const Token& token);
  absl::Status RevokeTree(const std::string& hash);
  json TokenLookupData(const Token& t, bool include_id_placeholder);
  json AuthBlock(const Token& t, const std::string& id, const std::vector<std::string>& identity);
  std::vector<std::string> IdentityPolicies(const std::string& entity_id);

  // ---- engines.cc: policies, mounts, kv, userpass, identity ----
  Result HandlePolicy(LogicalRequest& req);
  Result HandleKv(LogicalRequest& req, const std::string& mount, const std::string& rest);
  Result HandleUserpass(LogicalRequest& req, const std::string& mount, const std::string& rest,
                        std::unique_lock<std::mutex>& lock);
  Result HandleIdentity(LogicalRequest& req);
  // Does the object a write would touch exist (for create vs update, §3.6)?
  bool Exists(const std::string& path);
  const Policy* FindPolicy(const std::string& name) const;
  absl::Status PutJson(const std::string& key, const json& value);
  absl::StatusOr<std::optional<json>> GetJson(const std::string& key);
  std::optional<json> FindEntityByName(const std::string& name);
  std::optional<json> EntityByAlias(const std::string& mount_accessor, const std::string& name);
  absl::StatusOr<json> CreateEntity(const std::string& name, const json& metadata,
                                    const std::vector<std::string>& policies);
  std::string MountAccessor(const std::string& auth_path);  // "" when not enabled.

  // ---- oidc.cc ----
  Result HandleOidc(LogicalRequest& req, const std::string& rest);
  std::string Issuer() const;

  CoreOptions options_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Barrier> barrier_;
  std::mutex mu_;
  // Loaded at unseal, written through on change.
  std::map<std::string, Policy> policies_;
  json mounts_;   // "secret/" -> {type, options, uuid, accessor, description}
  json auths_;    // "token/", "userpass/"
  std::map<std::string, json> entities_;  // id -> entity
  // Tokens by hash, written through; spares a storage read and decryption per request.
  std::map<std::string, Token, std::less<>> token_cache_;
  Bytes audit_key_;
  std::mutex audit_mu_;
  std::FILE* audit_file_ = nullptr;
  // Root-token generation in progress (sys/generate-root, spec §2 B4-B6).
  struct GenerateRoot {
    std::string nonce;
    std::string otp;
    std::vector<Bytes> shares;
  };
  std::optional<GenerateRoot> generate_root_;
  Result HandleGenerateRoot(LogicalRequest& req);
  std::string oidc_issuer_;  // identity/oidc/config issuer; empty: api_addr.
  std::map<std::string, std::shared_ptr<crypto::PrivateKey>> signing_keys_;  // Parsed once.
};

// Helpers.
ApiError Err(int status, std::string message);
LogicalResponse NoContent();
LogicalResponse WithData(json data);
// A TTL given as seconds (number or numeric string) or a Go duration ("1h").
absl::StatusOr<int64_t> ParseTtl(const json& value);
std::string RandomId(size_t chars);  // Base62.
std::string Uuid();
std::string Sha256Hex(std::string_view s);
std::string Rfc3339(int64_t unix_seconds);
std::vector<std::string> StringList(const json& v);  // list or comma-separated string
std::vector<std::string> SortedUnique(std::vector<std::string> v);

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_CORE_INTERNAL_H_
