#include "spiffe/workloadapi/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace dstart::spiffe::workloadapi {
namespace {

absl::Status Bad(std::string_view kind, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("workload endpoint {} socket URI must {}", std::string(kind), std::string(what)));
}

}  // namespace

absl::StatusOr<std::string> EndpointTarget(std::string_view uri) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "workload endpoint socket is not a valid URI: \"{}\" has no scheme", std::string(uri)));
  }
  std::string scheme(uri.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = uri.substr(colon + 1);
  if (scheme != "unix" && scheme != "tcp") {
    return absl::InvalidArgumentError(
        "workload endpoint socket URI must have a \"tcp\" or \"unix\" scheme");
  }
  std::string_view kind = scheme;
  bool has_authority = rest.substr(0, 2) == "//";
  std::string_view authority;
  std::string_view path = rest;
  if (has_authority) {
    std::string_view after = rest.substr(2);
    size_t end = after.find_first_of("/?#");
    authority = after.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : after.substr(end);
  } else if (!rest.empty() && rest[0] != '/') {
    return Bad(kind, "not be opaque");
  }
  std::string_view query, fragment;
  bool has_query = false, has_fragment = false;
  if (size_t hash = path.find('#'); hash != std::string_view::npos) {
    has_fragment = true;
    fragment = path.substr(hash + 1);
    path = path.substr(0, hash);
  }
  if (size_t q = path.find('?'); q != std::string_view::npos) {
    has_query = true;
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (authority.find('@') != std::string_view::npos) return Bad(kind, "not include user info");

  if (scheme == "unix") {
    if (authority.empty() && path.empty()) return Bad(kind, "include a path");
    if (has_query && !query.empty()) return Bad(kind, "not include query values");
    if (has_fragment && !fragment.empty()) return Bad(kind, "not include a fragment");
    if (!authority.empty()) {
      // go-spiffe lets this pass and gRPC then refuses it; say so at once.
      return Bad(kind, "not include a host (use unix:///absolute/path)");
    }
    if (path.empty()) return Bad(kind, "include a path");
    return (has_authority ? "unix://" : "unix:") + std::string(path);
  }

  // tcp
  if (!has_authority) return Bad(kind, "not be opaque");
  if (authority.empty()) return Bad(kind, "include a host");
  if (!path.empty()) return Bad(kind, "not include a path");
  if (has_query && !query.empty()) return Bad(kind, "not include query values");
  if (has_fragment && !fragment.empty()) return Bad(kind, "not include a fragment");
  std::string_view host, port;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(kind, "have a valid IPv6 host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] == ':') port = after.substr(1);
    else if (!after.empty()) return Bad(kind, "have a valid host:port");
  } else {
    size_t c = authority.rfind(':');
    host = c == std::string_view::npos ? authority : authority.substr(0, c);
    if (c != std::string_view::npos) port = authority.substr(c + 1);
  }
  if (host.empty()) return Bad(kind, "include a host");
  unsigned char buf[16];
  std::string host_str(host);
  bool v4 = ::inet_pton(AF_INET, host_str.c_str(), buf) == 1;
  bool v6 = !v4 && ::inet_pton(AF_INET6, host_str.c_str(), buf) == 1;
  if (!v4 && !v6) return Bad(kind, "have an IP address as its host");
  if (port.empty()) return Bad(kind, "include a port");
  int port_num = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), port_num);
  if (ec != std::errc() || ptr != port.data() + port.size() || port_num < 1 || port_num > 65535) {
    return Bad(kind, "have a port between 1 and 65535");
  }
  return v4 ? fmt::format("ipv4:{}:{}", host_str, port_num)
            : fmt::format("ipv6:[{}]:{}", host_str, port_num);
}

absl::StatusOr<std::string> ResolveEndpointTarget(std::string_view address) {
  if (!address.empty()) return EndpointTarget(address);
  const char* env = std::getenv(kEndpointSocketEnv);
  if (env == nullptr) {
    return absl::InvalidArgumentError("workload endpoint socket address is not configured");
  }
  return EndpointTarget(env);
}

}  // namespace dstart::spiffe::workloadapi
