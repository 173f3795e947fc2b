#include "tokenprovider/rules.h"

#include "fmt/format.h"

namespace dstart::tokenprovider {
namespace {
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

bool IsValidServiceKey(std::string_view key) {
  if (key.empty() || key == "." || key == "..") return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::string> ServiceNameFromId(std::string_view id, std::string_view td) {
  constexpr std::string_view kScheme = "spiffe://";
  if (!StartsWith(id, kScheme)) return absl::InvalidArgumentError("Invalid Spiffe SVID format");
  std::string_view rest = id.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError("Invalid Spiffe SVID format");
  }
  std::string_view domain = rest.substr(0, slash);
  std::string_view path = rest.substr(slash);
  constexpr std::string_view kService = "/service/";
  if (!StartsWith(path, kService)) {
    return absl::InvalidArgumentError(
        fmt::format("Invalid Spiffe SVID format: {} is not under /service/", id));
  }
  std::string_view name = path.substr(kService.size());
  if (!IsValidServiceKey(name)) {
    return absl::InvalidArgumentError(fmt::format(
        "Invalid Spiffe SVID format: service name \"{}\" is not one segment of [A-Za-z0-9._-]",
        name));
  }
  if (domain != td) {
    return absl::InvalidArgumentError(fmt::format("Invalid trust domain name: {}", domain));
  }
  return std::string(name);
}

absl::StatusOr<std::string> AuthorizeServiceKey(std::string_view name, std::string_view requested) {
  if (requested.empty()) return std::string(name);
  if (!IsValidServiceKey(requested)) {
    return absl::PermissionDeniedError(
        fmt::format("service key \"{}\" is not one segment of [A-Za-z0-9._-]", requested));
  }
  if (StartsWith(name, "device-")) {
    if (requested == name) return std::string(requested);
    std::string prefix = fmt::format("{}-", name);
    if (StartsWith(requested, prefix) && requested.size() > prefix.size()) {
      return std::string(requested);
    }
    return absl::PermissionDeniedError(fmt::format(
        "Invalid service key format for device service: {} may request {} or {}<suffix>, not {}",
        name, name, prefix, requested));
  }
  if (name == "app-service-configurable") {
    if (StartsWith(requested, "app-") && requested.size() > 4) return std::string(requested);
    return absl::PermissionDeniedError(fmt::format(
        "Invalid service key format for app services: {} may request app-<name>, not {}", name,
        requested));
  }
  if (requested != name) {
    return absl::PermissionDeniedError(
        fmt::format("unequal service key and service name: {} may request only its own key, not {}",
                    name, requested));
  }
  return std::string(requested);
}

}  // namespace dstart::tokenprovider
