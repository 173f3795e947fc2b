// The server's configuration: SPIRE's server.conf (HCL) with the `server` block and the
// `plugins` this server implements (spec/spire.md §0, §2.6, §6.1). Unknown keys are errors that
// name the key and its line, as SPIRE refuses unknown configuration.
#ifndef DSTART_SERVER_CONFIG_H_
#define DSTART_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::server {

struct ServerConfig {
  std::string bind_address = "0.0.0.0";
  int bind_port = 8081;
  std::string socket_path = "/tmp/spire-server/private/api.sock";
  std::string trust_domain;  // required
  std::string data_dir = ".";
  std::string log_level = "INFO";
  std::string log_file;  // empty: stderr
  std::string log_format = "text";
  int64_t default_x509_svid_ttl = 3600;  // seconds
  int64_t default_jwt_svid_ttl = 300;
  int64_t agent_ttl = 0;  // 0: default_x509_svid_ttl
  std::string ca_key_type = "ec-p256";
  std::string jwt_key_type;  // empty: ca_key_type
  int64_t ca_ttl = 86400;
  std::vector<std::string> ca_subject_country = {"US"};
  std::vector<std::string> ca_subject_organization = {"SPIFFE"};
  std::string ca_subject_common_name;
  bool audit_log_enabled = false;
  std::string jwt_issuer;

  // DataStore "sql"
  std::string database_type = "sqlite3";
  std::string connection_string;  // empty: <data_dir>/datastore.sqlite3
  // KeyManager "disk" | "memory"
  std::string key_manager = "memory";
  std::string keys_path;
  // UpstreamAuthority "disk" (empty cert path: self-signed root)
  std::string upstream_cert_file;
  std::string upstream_key_file;
  std::string upstream_bundle_file;
  // NodeAttestor "x509pop"
  bool x509pop_enabled = false;
  std::vector<std::string> x509pop_ca_bundle_paths;
  std::string x509pop_agent_path_template = "/{{ .PluginName }}/{{ .Fingerprint }}";
  // NodeAttestor "join_token"
  bool join_token_enabled = false;
};

// Parses server.conf text; `filename` appears in error positions.
absl::StatusOr<ServerConfig> ParseServerConfig(const std::string& text,
                                               const std::string& filename);
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

// Checks values that need all sources merged (file + flags): trust domain present and valid,
// key types known, TTLs positive. Errors name the field.
absl::Status ValidateServerConfig(const ServerConfig& config);

}  // namespace dstart::server

#endif  // DSTART_SERVER_CONFIG_H_
