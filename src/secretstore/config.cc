#include "secretstore/config.h"

#include "common/duration.h"
#include "common/hcl.h"
#include "common/status.h"
#include "fmt/format.h"

namespace dstart::secretstore {

namespace {
namespace hcl = common::hcl;

absl::Status GetFlexibleBool(const hcl::Object& o, std::string_view key, bool* out) {
  const hcl::Entry* e = o.Find(key);
  if (e == nullptr) return absl::OkStatus();
  const hcl::Value& v = e->value;
  if (v.is_bool()) {
    *out = v.bool_value();
  } else if (v.is_string() && (v.string_value() == "true" || v.string_value() == "1")) {
    *out = true;
  } else if (v.is_string() && (v.string_value() == "false" || v.string_value() == "0")) {
    *out = false;
  } else if (v.is_int()) {
    *out = v.int_value() != 0;
  } else {
    return e->Error("expected a boolean");
  }
  return absl::OkStatus();
}

absl::Status GetSeconds(const hcl::Object& o, std::string_view key, std::chrono::seconds* out) {
  const hcl::Entry* e = o.Find(key);
  if (e == nullptr) return absl::OkStatus();
  if (e->value.is_int()) {
    *out = std::chrono::seconds(e->value.int_value());
    return absl::OkStatus();
  }
  if (!e->value.is_string()) return e->Error("expected a duration such as \"168h\"");
  auto d = common::ParseDuration(e->value.string_value());
  if (!d.ok()) return e->Error(std::string(d.status().message()));
  *out = std::chrono::duration_cast<std::chrono::seconds>(*d);
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(std::string_view text, std::string_view filename) {
  auto doc = hcl::Parse(text, filename);
  if (!doc.ok()) return doc.status();
  ServerConfig c;
  DSTART_RETURN_IF_ERROR(doc->CheckKnownKeys(
      {"listener", "storage", "backend", "default_lease_ttl", "max_lease_ttl", "api_addr",
       "cluster_addr", "disable_mlock", "ui", "log_level", "audit_file", "cluster_name"},
      "secret store configuration"));
  bool have_listener = false;
  for (const hcl::Entry* e : doc->FindAll("listener")) {
    if (!e->value.is_object()) return e->Error("listener must be a block");
    if (e->labels.size() != 1 || e->labels[0] != "tcp") {
      return e->Error("only listener \"tcp\" is supported");
    }
    if (have_listener) return e->Error("only one listener is supported");
    have_listener = true;
    const hcl::Object& l = e->value.object();
    DSTART_RETURN_IF_ERROR(l.CheckKnownKeys(
        {"address", "tls_disable", "tls_cert_file", "tls_key_file", "tls_min_version",
         "cluster_address", "disable_unauthed_generate_root_endpoints", "max_request_size"},
        "listener \"tcp\""));
    std::string address = "127.0.0.1:8200";
    DSTART_RETURN_IF_ERROR(l.GetString("address", &address));
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      return l.Find("address")->Error(fmt::format("address \"{}\" needs a port (host:port)", address));
    }
    c.host = address.substr(0, colon);
    if (c.host.size() > 2 && c.host.front() == '[') c.host = c.host.substr(1, c.host.size() - 2);
    try {
      size_t used = 0;
      c.port = std::stoi(address.substr(colon + 1), &used);
      if (used != address.size() - colon - 1 || c.port < 0 || c.port > 65535) throw 0;
    } catch (...) {
      return l.Find("address")->Error(fmt::format("invalid port in address \"{}\"", address));
    }
    bool tls_disable = false;
    DSTART_RETURN_IF_ERROR(GetFlexibleBool(l, "tls_disable", &tls_disable));
    DSTART_RETURN_IF_ERROR(l.GetString("tls_cert_file", &c.tls_cert_file));
    DSTART_RETURN_IF_ERROR(l.GetString("tls_key_file", &c.tls_key_file));
    c.tls = !tls_disable;
    if (c.tls && (c.tls_cert_file.empty() || c.tls_key_file.empty())) {
      return e->Error("TLS is enabled: set tls_cert_file and tls_key_file, or tls_disable = true");
    }
  }
  std::vector<const hcl::Entry*> storages = doc->FindAll("storage");
  for (const hcl::Entry* e : doc->FindAll("backend")) storages.push_back(e);
  if (storages.empty()) return absl::InvalidArgumentError(fmt::format("{}: a storage block is required", filename));
  if (storages.size() > 1) return storages[1]->Error("only one storage block is allowed");
  {
    const hcl::Entry* e = storages[0];
    if (!e->value.is_object() || e->labels.size() != 1) return e->Error("storage needs a type label");
    const hcl::Object& s = e->value.object();
    DSTART_RETURN_IF_ERROR(s.CheckKnownKeys({"path"}, "storage"));
    std::string path;
    DSTART_RETURN_IF_ERROR(s.GetString("path", &path));
    if (path.empty()) return e->Error("storage needs a path");
    if (e->labels[0] == "sqlite") {
      c.storage_path = path;
    } else if (e->labels[0] == "file") {
      c.storage_path = path + "/secretstore.db";
    } else {
      return e->Error(fmt::format("storage \"{}\" is not supported (use \"sqlite\" or \"file\")", e->labels[0]));
    }
  }
  DSTART_RETURN_IF_ERROR(GetSeconds(*doc, "default_lease_ttl", &c.default_lease_ttl));
  DSTART_RETURN_IF_ERROR(GetSeconds(*doc, "max_lease_ttl", &c.max_lease_ttl));
  DSTART_RETURN_IF_ERROR(doc->GetString("api_addr", &c.api_addr));
  while (!c.api_addr.empty() && c.api_addr.back() == '/') c.api_addr.pop_back();
  DSTART_RETURN_IF_ERROR(doc->GetString("audit_file", &c.audit_file));
  DSTART_RETURN_IF_ERROR(doc->GetString("log_level", &c.log_level));
  if (c.default_lease_ttl > c.max_lease_ttl) {
    return doc->Find("default_lease_ttl")
               ? doc->Find("default_lease_ttl")->Error("default_lease_ttl exceeds max_lease_ttl")
               : absl::InvalidArgumentError("default_lease_ttl exceeds max_lease_ttl");
  }
  return c;
}

}  // namespace dstart::secretstore
