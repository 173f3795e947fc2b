#include "server/config.h"

#include <chrono>

#include "common/file.h"
#include "common/hcl.h"
#include "common/status.h"
#include "fmt/format.h"
#include "spiffe/id.h"

namespace dstart::server {
namespace {

namespace hcl = common::hcl;

absl::Status GetSeconds(const hcl::Object& o, const char* key, int64_t* out) {
  if (!o.Has(key)) return absl::OkStatus();
  std::chrono::nanoseconds d{0};
  DSTART_RETURN_IF_ERROR(o.GetDuration(key, &d));
  if (d.count() <= 0) return o.Find(key)->Error("must be a positive duration");
  *out = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return absl::OkStatus();
}

absl::Status ParseServerBlock(const hcl::Object& s, ServerConfig& c) {
  DSTART_RETURN_IF_ERROR(s.CheckKnownKeys(
      {"bind_address", "bind_port", "socket_path", "trust_domain", "data_dir", "log_level",
       "log_file", "log_format", "default_x509_svid_ttl", "default_jwt_svid_ttl", "agent_ttl",
       "ca_key_type", "jwt_key_type", "ca_ttl", "ca_subject", "audit_log_enabled", "jwt_issuer"},
      "server"));
  DSTART_RETURN_IF_ERROR(s.GetString("bind_address", &c.bind_address));
  DSTART_RETURN_IF_ERROR(s.GetInt("bind_port", &c.bind_port));
  DSTART_RETURN_IF_ERROR(s.GetString("socket_path", &c.socket_path));
  DSTART_RETURN_IF_ERROR(s.GetString("trust_domain", &c.trust_domain));
  DSTART_RETURN_IF_ERROR(s.GetString("data_dir", &c.data_dir));
  DSTART_RETURN_IF_ERROR(s.GetString("log_level", &c.log_level));
  DSTART_RETURN_IF_ERROR(s.GetString("log_file", &c.log_file));
  DSTART_RETURN_IF_ERROR(s.GetString("log_format", &c.log_format));
  DSTART_RETURN_IF_ERROR(GetSeconds(s, "default_x509_svid_ttl", &c.default_x509_svid_ttl));
  DSTART_RETURN_IF_ERROR(GetSeconds(s, "default_jwt_svid_ttl", &c.default_jwt_svid_ttl));
  DSTART_RETURN_IF_ERROR(GetSeconds(s, "agent_ttl", &c.agent_ttl));
  DSTART_RETURN_IF_ERROR(GetSeconds(s, "ca_ttl", &c.ca_ttl));
  DSTART_RETURN_IF_ERROR(s.GetString("ca_key_type", &c.ca_key_type));
  DSTART_RETURN_IF_ERROR(s.GetString("jwt_key_type", &c.jwt_key_type));
  DSTART_RETURN_IF_ERROR(s.GetBool("audit_log_enabled", &c.audit_log_enabled));
  DSTART_RETURN_IF_ERROR(s.GetString("jwt_issuer", &c.jwt_issuer));
  if (s.Has("bind_port") && (c.bind_port < 0 || c.bind_port > 65535)) {
    return s.Find("bind_port")->Error("must be a port number (0-65535)");
  }
  const hcl::Object* subject = nullptr;
  DSTART_RETURN_IF_ERROR(s.GetObject("ca_subject", &subject));
  if (subject != nullptr) {
    DSTART_RETURN_IF_ERROR(
        subject->CheckKnownKeys({"country", "organization", "common_name"}, "ca_subject"));
    std::vector<std::string> country, org;
    std::string cn;
    DSTART_RETURN_IF_ERROR(subject->GetStringList("country", &country));
    DSTART_RETURN_IF_ERROR(subject->GetStringList("organization", &org));
    DSTART_RETURN_IF_ERROR(subject->GetString("common_name", &cn));
    // An all-empty subject keeps the default (C=US, O=SPIFFE), as SPIRE does.
    if (!country.empty() || !org.empty() || !cn.empty()) {
      c.ca_subject_country = country;
      c.ca_subject_organization = org;
      c.ca_subject_common_name = cn;
    }
  }
  return absl::OkStatus();
}

// `Kind "name" { plugin_data { ... } }`: returns the plugin_data object (or an empty one).
absl::StatusOr<const hcl::Object*> PluginData(const hcl::Entry& e) {
  static const hcl::Object kEmpty;
  if (!e.value.is_object()) return e.Error("must be a block: Kind \"name\" { plugin_data { ... } }");
  if (e.labels.size() != 1) return e.Error("needs exactly one plugin name label");
  const hcl::Object& body = e.value.object();
  DSTART_RETURN_IF_ERROR(body.CheckKnownKeys({"plugin_data", "enabled"},
                                             fmt::format("{} \"{}\"", e.key, e.labels[0])));
  bool enabled = true;
  DSTART_RETURN_IF_ERROR(body.GetBool("enabled", &enabled));
  const hcl::Object* data = nullptr;
  DSTART_RETURN_IF_ERROR(body.GetObject("plugin_data", &data));
  return data ? data : &kEmpty;
}

absl::Status ParsePlugins(const hcl::Object& p, ServerConfig& c) {
  DSTART_RETURN_IF_ERROR(p.CheckKnownKeys(
      {"DataStore", "KeyManager", "UpstreamAuthority", "NodeAttestor"}, "plugins"));
  int datastores = 0, keymanagers = 0;
  for (const hcl::Entry& e : p.entries()) {
    DSTART_ASSIGN_OR_RETURN(const hcl::Object* data, PluginData(e));
    const std::string& name = e.labels[0];
    const std::string ctx = fmt::format("{} \"{}\" plugin_data", e.key, name);
    if (e.key == "DataStore") {
      ++datastores;
      if (name != "sql") return e.Error(fmt::format("unknown DataStore plugin \"{}\" (supported: sql)", name));
      DSTART_RETURN_IF_ERROR(data->CheckKnownKeys({"database_type", "connection_string"}, ctx));
      DSTART_RETURN_IF_ERROR(data->GetString("database_type", &c.database_type));
      DSTART_RETURN_IF_ERROR(data->GetString("connection_string", &c.connection_string));
      if (c.database_type != "sqlite3") {
        return data->Find("database_type")
            ->Error(fmt::format("unsupported database_type \"{}\" (supported: sqlite3)",
                                c.database_type));
      }
    } else if (e.key == "KeyManager") {
      ++keymanagers;
      if (name == "disk") {
        DSTART_RETURN_IF_ERROR(data->CheckKnownKeys({"keys_path"}, ctx));
        DSTART_RETURN_IF_ERROR(data->Require("keys_path", ctx));
        DSTART_RETURN_IF_ERROR(data->GetString("keys_path", &c.keys_path));
      } else if (name == "memory") {
        DSTART_RETURN_IF_ERROR(data->CheckKnownKeys({}, ctx));
      } else {
        return e.Error(fmt::format("unknown KeyManager plugin \"{}\" (supported: disk, memory)", name));
      }
      c.key_manager = name;
    } else if (e.key == "UpstreamAuthority") {
      if (name != "disk") {
        return e.Error(fmt::format("unknown UpstreamAuthority plugin \"{}\" (supported: disk)", name));
      }
      DSTART_RETURN_IF_ERROR(
          data->CheckKnownKeys({"cert_file_path", "key_file_path", "bundle_file_path"}, ctx));
      DSTART_RETURN_IF_ERROR(data->Require("cert_file_path", ctx));
      DSTART_RETURN_IF_ERROR(data->Require("key_file_path", ctx));
      DSTART_RETURN_IF_ERROR(data->GetString("cert_file_path", &c.upstream_cert_file));
      DSTART_RETURN_IF_ERROR(data->GetString("key_file_path", &c.upstream_key_file));
      DSTART_RETURN_IF_ERROR(data->GetString("bundle_file_path", &c.upstream_bundle_file));
    } else if (e.key == "NodeAttestor") {
      if (name == "x509pop") {
        DSTART_RETURN_IF_ERROR(data->CheckKnownKeys(
            {"ca_bundle_path", "ca_bundle_paths", "agent_path_template"}, ctx));
        std::string one;
        DSTART_RETURN_IF_ERROR(data->GetString("ca_bundle_path", &one));
        DSTART_RETURN_IF_ERROR(data->GetStringList("ca_bundle_paths", &c.x509pop_ca_bundle_paths));
        if (!one.empty()) c.x509pop_ca_bundle_paths.insert(c.x509pop_ca_bundle_paths.begin(), one);
        if (c.x509pop_ca_bundle_paths.empty()) {
          return e.Error("x509pop needs ca_bundle_path or ca_bundle_paths");
        }
        DSTART_RETURN_IF_ERROR(
            data->GetString("agent_path_template", &c.x509pop_agent_path_template));
        c.x509pop_enabled = true;
      } else if (name == "join_token") {
        DSTART_RETURN_IF_ERROR(data->CheckKnownKeys({}, ctx));
        c.join_token_enabled = true;
      } else {
        return e.Error(fmt::format(
            "unknown NodeAttestor plugin \"{}\" (supported: x509pop, join_token)", name));
      }
    }
  }
  if (datastores > 1) return absl::InvalidArgumentError("plugins: more than one DataStore");
  if (keymanagers > 1) return absl::InvalidArgumentError("plugins: more than one KeyManager");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(const std::string& text,
                                               const std::string& filename) {
  DSTART_ASSIGN_OR_RETURN(hcl::Object doc, hcl::Parse(text, filename));
  DSTART_RETURN_IF_ERROR(doc.CheckKnownKeys({"server", "plugins"}, "the configuration"));
  ServerConfig c;
  const hcl::Object* server = nullptr;
  DSTART_RETURN_IF_ERROR(doc.GetObject("server", &server));
  if (server == nullptr) {
    return absl::InvalidArgumentError(fmt::format("{}: the server block is missing", filename));
  }
  DSTART_RETURN_IF_ERROR(ParseServerBlock(*server, c));
  const hcl::Object* plugins = nullptr;
  DSTART_RETURN_IF_ERROR(doc.GetObject("plugins", &plugins));
  if (plugins != nullptr) DSTART_RETURN_IF_ERROR(ParsePlugins(*plugins, c));
  return c;
}

absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path) {
  auto text = common::ReadFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        fmt::format("cannot read the configuration: {}",
                                    std::string(text.status().message())));
  }
  return ParseServerConfig(*text, path);
}

absl::Status ValidateServerConfig(const ServerConfig& c) {
  if (c.trust_domain.empty()) {
    return absl::InvalidArgumentError("trust_domain: must be configured");
  }
  auto td = spiffe::TrustDomain::FromString(c.trust_domain);
  if (!td.ok() || td->Name() != c.trust_domain) {
    return absl::InvalidArgumentError(fmt::format(
        "trust_domain \"{}\": {}", c.trust_domain,
        td.ok() ? "must be a bare trust domain name" : std::string(td.status().message())));
  }
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string*>{"ca_key_type", &c.ca_key_type},
        {"jwt_key_type", &c.jwt_key_type}}) {
    if (value->empty() && std::string(field) == "jwt_key_type") continue;
    if (*value != "ec-p256" && *value != "ec-p384" && *value != "rsa-2048" &&
        *value != "rsa-4096") {
      return absl::InvalidArgumentError(fmt::format(
          "{} \"{}\": must be one of ec-p256, ec-p384, rsa-2048, rsa-4096", field, *value));
    }
  }
  if (c.socket_path.empty()) return absl::InvalidArgumentError("socket_path: must not be empty");
  if (c.bind_port < 0 || c.bind_port > 65535) {
    return absl::InvalidArgumentError(fmt::format("bind_port {}: not a port number", c.bind_port));
  }
  return absl::OkStatus();
}

}  // namespace dstart::server
