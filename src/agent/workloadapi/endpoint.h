// The Workload API endpoint (spec/spiffe.md §5–§6, spec/spire.md §5.4): gRPC service
// SpiffeWorkloadAPI, plus gRPC reflection and grpc.health.v1, on a Unix socket whose callers are
// identified by the kernel (peer_tracker.h) and attested by the configured workload attestors.
//
// Every Workload API call first checks the security header `workload.spiffe.io: true`
// (InvalidArgument "security header missing from request", before any attestation). A caller
// that matches no entry gets PermissionDenied "no identity issued" and the agent logs, after one
// DEBUG line per selector it collected:
//   level=error msg="No identity issued" method=FetchX509SVID pid=<pid> registered=false
//   service=WorkloadAPI subsystem_name=endpoints
// (not for the agent's own pid: its health checks stay quiet). Streams send the full state at
// once and again whenever it changes (rotation, bundle, entries); keys are PKCS#8 DER; SVIDs are
// ordered by entry ID.
#ifndef DSTART_AGENT_WORKLOADAPI_ENDPOINT_H_
#define DSTART_AGENT_WORKLOADAPI_ENDPOINT_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/workloadapi/identity_cache.h"
#include "agent/workloadattestor/workload_attestor.h"
#include "common/log.h"

namespace dstart::agent::workloadapi {

struct EndpointOptions {
  // Absolute path of the Unix socket; missing parent directories are created (0755), a stale
  // socket file is replaced, and the socket is made mode 0777 as SPIRE does.
  std::string socket_path;
  std::vector<std::shared_ptr<const workloadattestor::WorkloadAttestor>> attestors;
  std::shared_ptr<IdentityCache> cache;  // Required.
  common::Logger logger;
  // SPIRE's allow_unauthenticated_verifiers: callers without an identity still get bundles.
  bool allow_unauthenticated_verifiers = false;
  // Beyond SPIRE: how long a FetchX509SVID/FetchX509Bundles/FetchJWTBundles stream whose caller
  // has no identity yet stays open waiting for a matching entry before it ends with
  // PermissionDenied. Zero (the default) answers PermissionDenied at once, as SPIRE and the spec
  // do; with a hold, an entry created meanwhile is delivered on the open stream. "No identity
  // issued" is logged at once either way.
  std::chrono::milliseconds hold_without_identity{0};
  // How often an idle stream checks whether its client went away.
  std::chrono::milliseconds stream_poll{250};
};

class Endpoint {
 public:
  // Listens and serves on background threads. Fails (naming the path) when the socket cannot be
  // created, or when `cache` is missing.
  static absl::StatusOr<std::unique_ptr<Endpoint>> Start(EndpointOptions options);
  ~Endpoint();  // Stop().
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Stops accepting, ends open streams and removes the socket file. Idempotent.
  void Stop();
  const std::string& socket_path() const;

  class Impl;

 private:
  explicit Endpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::agent::workloadapi

#endif  // DSTART_AGENT_WORKLOADAPI_ENDPOINT_H_
