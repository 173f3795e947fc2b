#include "tokenprovider/config.h"

#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "fmt/format.h"

namespace dstart::tokenprovider {
namespace {

// The defaults of EdgeX's configuration.yaml, so every key exists and can be overridden from
// the environment even when the file leaves it out.
common::YamlConfig Defaults() {
  Config d;
  common::YamlConfig y;
  y.SetString("Writable.LogLevel", d.log_level);
  y.SetString("Service.Host", d.host);
  y.SetString("Service.ServerBindAddr", "");
  y.SetInt("Service.Port", d.port);
  y.SetString("Service.StartupMsg", d.startup_msg);
  y.SetInt("Service.MaxConnections", static_cast<int64_t>(d.max_connections));
  y.SetInt("Service.HealthPort", d.health_port);
  y.SetString("Service.HealthAddr", d.health_address);
  y.SetString("TokenConfig.DefaultTokenTTL", "1h");
  y.SetString("TokenConfig.DefaultJWTTTL", "15m");
  y.SetString("TokenConfig.DefaultJWTAudience", d.default_jwt_audience);
  y.SetString("TokenConfig.UserPassMountPoint", d.userpass_mount_point);
  y.SetString("TokenConfig.MintStrategy", "token-role");
  y.SetInt("TokenConfig.RateLimitPerMinute", d.rate_limit_per_minute);
  y.SetString("Spiffe.EndpointSocket", d.endpoint_socket);
  y.SetString("Spiffe.TrustDomain", d.trust_domain);
  y.SetString("SecretStore.Protocol", d.store_protocol);
  y.SetString("SecretStore.Host", d.store_host);
  y.SetInt("SecretStore.Port", d.store_port);
  y.SetString("SecretStore.RootCaCertPath", "");
  y.SetString("SecretStore.TokenFile", d.token_file);
  return y;
}

absl::StatusOr<std::chrono::seconds> Seconds(const common::YamlConfig& y, std::string_view key) {
  DSTART_ASSIGN_OR_RETURN(auto d, y.GetDuration(key));
  if (d <= std::chrono::nanoseconds::zero()) {
    return absl::InvalidArgumentError(fmt::format("{}: must be positive", key));
  }
  return std::chrono::duration_cast<std::chrono::seconds>(d);
}

absl::StatusOr<int> Port(const common::YamlConfig& y, std::string_view key) {
  DSTART_ASSIGN_OR_RETURN(int64_t p, y.GetInt(key));
  if (p < 0 || p > 65535) {
    return absl::InvalidArgumentError(fmt::format("{}: port {} out of range 0-65535", key, p));
  }
  return static_cast<int>(p);
}

absl::StatusOr<Config> FromYaml(const common::YamlConfig& y) {
  Config c;
  DSTART_ASSIGN_OR_RETURN(c.log_level, y.GetString("Writable.LogLevel"));
  DSTART_RETURN_IF_ERROR(common::ParseLogLevel(c.log_level).status());
  DSTART_ASSIGN_OR_RETURN(c.host, y.GetString("Service.Host"));
  DSTART_ASSIGN_OR_RETURN(c.listen_address, y.GetString("Service.ServerBindAddr"));
  if (c.listen_address.empty()) c.listen_address = "0.0.0.0";
  DSTART_ASSIGN_OR_RETURN(c.port, Port(y, "Service.Port"));
  DSTART_ASSIGN_OR_RETURN(c.health_port, Port(y, "Service.HealthPort"));
  DSTART_ASSIGN_OR_RETURN(c.health_address, y.GetString("Service.HealthAddr"));
  DSTART_ASSIGN_OR_RETURN(c.startup_msg, y.GetString("Service.StartupMsg"));
  DSTART_ASSIGN_OR_RETURN(int64_t max_conn, y.GetInt("Service.MaxConnections"));
  if (max_conn < 1) return absl::InvalidArgumentError("Service.MaxConnections: must be at least 1");
  c.max_connections = static_cast<size_t>(max_conn);
  DSTART_ASSIGN_OR_RETURN(c.default_token_ttl, Seconds(y, "TokenConfig.DefaultTokenTTL"));
  DSTART_ASSIGN_OR_RETURN(c.default_jwt_ttl, Seconds(y, "TokenConfig.DefaultJWTTTL"));
  DSTART_ASSIGN_OR_RETURN(c.default_jwt_audience, y.GetString("TokenConfig.DefaultJWTAudience"));
  DSTART_ASSIGN_OR_RETURN(c.userpass_mount_point, y.GetString("TokenConfig.UserPassMountPoint"));
  if (c.userpass_mount_point.empty() || c.userpass_mount_point.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(fmt::format(
        "TokenConfig.UserPassMountPoint: \"{}\" is not a mount name", c.userpass_mount_point));
  }
  DSTART_ASSIGN_OR_RETURN(std::string strategy, y.GetString("TokenConfig.MintStrategy"));
  if (strategy == "token-role") {
    c.strategy = MintStrategy::kTokenRole;
  } else if (strategy == "userpass") {
    c.strategy = MintStrategy::kUserpass;
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "TokenConfig.MintStrategy: \"{}\" is neither \"token-role\" nor \"userpass\"", strategy));
  }
  DSTART_ASSIGN_OR_RETURN(int64_t rate, y.GetInt("TokenConfig.RateLimitPerMinute"));
  if (rate < 0) return absl::InvalidArgumentError("TokenConfig.RateLimitPerMinute: must be >= 0");
  c.rate_limit_per_minute = static_cast<int>(rate);
  DSTART_ASSIGN_OR_RETURN(c.endpoint_socket, y.GetString("Spiffe.EndpointSocket"));
  DSTART_ASSIGN_OR_RETURN(c.trust_domain, y.GetString("Spiffe.TrustDomain"));
  if (c.trust_domain.empty()) return absl::InvalidArgumentError("Spiffe.TrustDomain: empty");
  DSTART_ASSIGN_OR_RETURN(c.store_protocol, y.GetString("SecretStore.Protocol"));
  if (c.store_protocol != "http" && c.store_protocol != "https") {
    return absl::InvalidArgumentError(fmt::format(
        "SecretStore.Protocol: \"{}\" is neither \"http\" nor \"https\"", c.store_protocol));
  }
  DSTART_ASSIGN_OR_RETURN(c.store_host, y.GetString("SecretStore.Host"));
  DSTART_ASSIGN_OR_RETURN(c.store_port, Port(y, "SecretStore.Port"));
  DSTART_ASSIGN_OR_RETURN(c.store_root_ca, y.GetString("SecretStore.RootCaCertPath"));
  DSTART_ASSIGN_OR_RETURN(c.token_file, y.GetString("SecretStore.TokenFile"));
  return c;
}

}  // namespace

absl::StatusOr<Config> LoadConfig(const std::string& path,
                                  const std::map<std::string, std::string>& env,
                                  const common::Logger* logger) {
  common::YamlConfig y;
  if (!path.empty()) {
    DSTART_ASSIGN_OR_RETURN(y, common::YamlConfig::Load(path));
  }
  y.MergeMissing(Defaults());
  DSTART_RETURN_IF_ERROR(y.ApplyEnvOverrides(env, logger).status());
  auto c = FromYaml(y);
  if (!c.ok() && !path.empty()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path, std::string(c.status().message())));
  }
  return c;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  DSTART_ASSIGN_OR_RETURN(std::string text, common::ReadFile(path));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(fmt::format("token file {}: not a JSON object", path));
  }
  auto auth = j.find("auth");
  if (auth == j.end() || !auth->is_object() || !auth->contains("client_token") ||
      !(*auth)["client_token"].is_string() || (*auth)["client_token"].get<std::string>().empty()) {
    return absl::InvalidArgumentError(
        fmt::format("token file {}: no auth.client_token string", path));
  }
  return (*auth)["client_token"].get<std::string>();
}

}  // namespace dstart::tokenprovider
