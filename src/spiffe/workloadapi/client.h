// A SPIFFE Workload API client (spec/spiffe.md §7), behaving as go-spiffe v2 does: every call
// carries `workload.spiffe.io: true`; one-shot fetches read exactly one stream message; responses
// are parsed and checked as go-spiffe checks them (§7.6), so a response go-spiffe would reject is
// an error here too. gRPC status codes are kept in the returned absl::Status codes.
#ifndef DSTART_SPIFFE_WORKLOADAPI_CLIENT_H_
#define DSTART_SPIFFE_WORKLOADAPI_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spiffe/bundle.h"
#include "spiffe/jwt_svid.h"
#include "spiffe/x509_svid.h"

namespace dstart::spiffe::workloadapi {

// The X.509 context of a workload: its SVIDs (the first is the default identity) and the bundles
// it should trust (each SVID's own trust domain, then the federated ones).
struct X509Context {
  std::vector<X509Svid> svids;
  std::vector<std::string> hints;  // Parallel to svids; "" when unset.
  BundleSet bundles;
  // Raw CA certificates of each SVID's own bundle, as received (for `api fetch x509 -write`).
  const X509Svid& default_svid() const { return svids.front(); }
};

// The answer of ValidateJWTSVID.
struct ValidatedJwt {
  SpiffeId id;
  std::string claims_json;  // The claims the server returned, as JSON.
};

struct ClientOptions {
  // Endpoint URI (unix:///path, tcp://ip:port); empty uses $SPIFFE_ENDPOINT_SOCKET.
  std::string address;
  // Watch retry backoff: initial, step added after each failure, and cap (go-spiffe: 1 s, +1 s,
  // 30 s). The backoff resets whenever a message arrives.
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_step{1000};
  std::chrono::milliseconds backoff_max{30000};
};

// Stops a watch from another thread: Cancel() ends the current stream at once.
class WatchCanceller {
 public:
  WatchCanceller();
  ~WatchCanceller();
  void Cancel();
  bool cancelled() const;

  struct State;
  std::shared_ptr<State> state() const { return state_; }

 private:
  std::shared_ptr<State> state_;
};

// Thread-safety: a Client may be used from many threads at once.
class Client {
 public:
  // Resolves the address (see address.h); does not connect yet (the dial is lazy, as in Go).
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The gRPC target the address resolved to.
  const std::string& target() const;

  // One FetchX509SVID message. A zero timeout means no deadline.
  absl::StatusOr<X509Context> FetchX509Context(std::chrono::milliseconds timeout = {});
  // One FetchX509Bundles message.
  absl::StatusOr<BundleSet> FetchX509Bundles(std::chrono::milliseconds timeout = {});
  // FetchJWTSVID for `audience` (at least one) and optionally one SPIFFE ID ("" = all); every
  // token is checked as go-spiffe's ParseInsecure does against `audience`.
  absl::StatusOr<std::vector<JwtSvid>> FetchJwtSvids(const std::vector<std::string>& audience,
                                                     std::string_view spiffe_id = {},
                                                     std::chrono::milliseconds timeout = {});
  // One FetchJWTBundles message.
  absl::StatusOr<BundleSet> FetchJwtBundles(std::chrono::milliseconds timeout = {});
  // ValidateJWTSVID; the server validates, the client re-parses the token as go-spiffe does.
  absl::StatusOr<ValidatedJwt> ValidateJwtSvid(std::string_view token, std::string_view audience,
                                               std::chrono::milliseconds timeout = {});
  // Health/Check of grpc.health.v1 for service "" (true when SERVING).
  absl::StatusOr<bool> CheckHealth(std::chrono::milliseconds timeout = {});

  // The watch loop of §7.4: streams FetchX509SVID, calling `on_update` with every message that
  // parses and `on_error` for parse errors and stream failures; reconnects with linear backoff.
  // Returns when `canceller` is cancelled (Cancelled) or the server says InvalidArgument (that
  // status).
  absl::Status WatchX509Context(const std::function<void(X509Context)>& on_update,
                                const std::function<void(const absl::Status&)>& on_error,
                                const WatchCanceller& canceller);

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// go-spiffe's X509Source (§7.5): a background watch keeping the latest X.509 context.
class X509Source {
 public:
  // Starts watching and waits for the first context that parses, up to `timeout`. Fails with the
  // watch's error when the server says InvalidArgument, and with DeadlineExceeded (carrying the
  // last error seen, e.g. PermissionDenied) when the time runs out.
  static absl::StatusOr<std::unique_ptr<X509Source>> Create(ClientOptions options,
                                                            std::chrono::milliseconds timeout);
  ~X509Source();  // Close().
  void Close();

  // The latest context; never null after Create succeeded.
  std::shared_ptr<const X509Context> Context() const;
  X509Svid GetX509Svid() const { return Context()->default_svid(); }
  // How many contexts have been received (1 after Create).
  uint64_t updates() const;
  // Blocks until updates() > `seen` or `timeout` passes; true on a new update.
  bool WaitUntilUpdated(uint64_t seen, std::chrono::milliseconds timeout) const;

  struct State;

 private:
  X509Source() = default;
  std::shared_ptr<State> state_;
};

}  // namespace dstart::spiffe::workloadapi

#endif  // DSTART_SPIFFE_WORKLOADAPI_CLIENT_H_
