// The server configuration file: OpenBao-style HCL.
//
//   listener "tcp" { address = "127.0.0.1:8200"  tls_disable = true
//                    tls_cert_file = "..."  tls_key_file = "..." }
//   storage "sqlite" { path = "/var/lib/dstart/secretstore.db" }   # or storage "file" { path = DIR }
//   default_lease_ttl = "168h"
//   max_lease_ttl = "720h"
//   api_addr = ""            # prefix of the OIDC issuer; empty gives "/v1/identity/oidc"
//   audit_file = "PATH"      # one JSON line per request (OpenBao's file audit device format)
//   log_level = "info"
#ifndef DSTART_SECRETSTORE_CONFIG_H_
#define DSTART_SECRETSTORE_CONFIG_H_

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace dstart::secretstore {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8200;
  bool tls = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string storage_path;
  std::chrono::seconds default_lease_ttl{168 * 3600};
  std::chrono::seconds max_lease_ttl{720 * 3600};
  std::string api_addr;
  std::string audit_file;
  std::string log_level = "info";
};

// Errors read "file:line:column: ..." where the parser knows the position.
absl::StatusOr<ServerConfig> ParseServerConfig(std::string_view text, std::string_view filename);

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_CONFIG_H_
