// Configuration of `dstart token-provider run`: EdgeX's security-spiffe-token-provider
// configuration.yaml keys (spec/edgex.md §4.5) with their defaults, overridable by environment
// variables named by the EdgeX rule (SPIFFE_TRUSTDOMAIN, TOKENCONFIG_DEFAULTTOKENTTL, ...).
#ifndef DSTART_TOKENPROVIDER_CONFIG_H_
#define DSTART_TOKENPROVIDER_CONFIG_H_

#include <chrono>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace dstart::common {
class Logger;
}

namespace dstart::tokenprovider {

// How a token is minted (DESIGN.md): EdgeX's userpass sequence (spec/secretstore.md §5.1 3a–3i,
// two bcrypt hashes per exchange) or a token-role token bound to the entity through
// entity_alias (B28), which needs no password hashing.
enum class MintStrategy { kUserpass, kTokenRole };

struct Config {
  std::string log_level = "DEBUG";  // Writable.LogLevel
  std::string host = "localhost";   // Service.Host (informational; EdgeX listens on all interfaces)
  std::string listen_address = "0.0.0.0";  // Service.ServerBindAddr ("" = all interfaces)
  int port = 59841;                        // Service.Port
  std::string startup_msg = "This is the SPIFFE token provider microservice";
  // Plain-HTTP health listener for checkers that cannot do mutual TLS (spec/edgex.md §12 item
  // 13): Service.HealthPort (0 = off, the default) on Service.HealthAddr (loopback by default).
  int health_port = 0;
  std::string health_address = "127.0.0.1";
  size_t max_connections = 256;  // Service.MaxConnections (beyond EdgeX)
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds header_timeout{5000};

  std::chrono::seconds default_token_ttl{3600};   // TokenConfig.DefaultTokenTTL
  std::chrono::seconds default_jwt_ttl{900};      // TokenConfig.DefaultJWTTTL
  std::string default_jwt_audience = "edgex";     // TokenConfig.DefaultJWTAudience
  std::string userpass_mount_point = "userpass";  // TokenConfig.UserPassMountPoint
  MintStrategy strategy =
      MintStrategy::kTokenRole;  // TokenConfig.MintStrategy: token-role|userpass
  // Grants per SVID per minute (TokenConfig.RateLimitPerMinute); 0 disables the limit.
  int rate_limit_per_minute = 30;

  std::string endpoint_socket =
      "/tmp/edgex/secrets/spiffe/public/api.sock";  // Spiffe.EndpointSocket
  std::string trust_domain = "edgexfoundry.org";    // Spiffe.TrustDomain

  std::string store_protocol = "http";   // SecretStore.Protocol
  std::string store_host = "localhost";  // SecretStore.Host
  int store_port = 8200;                 // SecretStore.Port
  std::string store_root_ca;             // SecretStore.RootCaCertPath
  std::string token_file =               // SecretStore.TokenFile
      "/tmp/edgex/secrets/security-spiffe-token-provider/secrets-token.json";
};

// Reads `path` (a YAML file; empty means defaults only), applies `env` overrides (logged on
// `logger` when given) and checks every value. Errors name the key and the file.
absl::StatusOr<Config> LoadConfig(const std::string& path,
                                  const std::map<std::string, std::string>& env,
                                  const common::Logger* logger = nullptr);

// Reads the privileged token from EdgeX's token-file JSON ({"auth":{"client_token":...}}).
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_CONFIG_H_
