// Locating the Workload API (spec/spiffe.md §5 "Locating the endpoint", §7.1): an explicit
// address, else $SPIFFE_ENDPOINT_SOCKET, as a `unix:` or `tcp:` URI, checked as go-spiffe does.
#ifndef DSTART_SPIFFE_WORKLOADAPI_ADDRESS_H_
#define DSTART_SPIFFE_WORKLOADAPI_ADDRESS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dstart::spiffe::workloadapi {

inline constexpr char kEndpointSocketEnv[] = "SPIFFE_ENDPOINT_SOCKET";

// The gRPC target for an endpoint URI:
//   unix:///abs/path.sock or unix:/abs/path.sock  -> the URI itself (no authority, no query,
//                                                    no fragment, no user info, not opaque)
//   tcp://<ip>:<port>                             -> "ipv4:<ip>:<port>" / "ipv6:[<ip>]:<port>"
//                                                    (host must be an IP literal; a port is
//                                                    required; no path, query or fragment)
// Errors use go-spiffe's wording, e.g. `workload endpoint socket URI must have a "tcp" or "unix"
// scheme`.
absl::StatusOr<std::string> EndpointTarget(std::string_view uri);

// `address` when non-empty, else $SPIFFE_ENDPOINT_SOCKET; then EndpointTarget. Neither set:
// InvalidArgument "workload endpoint socket address is not configured".
absl::StatusOr<std::string> ResolveEndpointTarget(std::string_view address);

}  // namespace dstart::spiffe::workloadapi

#endif  // DSTART_SPIFFE_WORKLOADAPI_ADDRESS_H_
