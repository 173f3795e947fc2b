// The token provider's HTTPS listener: TLS 1.3 only, a client certificate required and verified
// as an X.509-SVID of the configured trust domain against the current bundle (chain, SPIFFE leaf
// rules), groups P-521, P-384, X25519, P-256 in that order of preference.
//
// The server certificate is looked up per handshake from the X.509 context function, so a
// rotated SVID is served from the next handshake on, with no restart and no dropped connection.
// One request per connection (the reply carries Connection: close); the request head must
// arrive within the header timeout and the body may not exceed the limit (413). Connections over
// the limit are closed at once.
#ifndef DSTART_TOKENPROVIDER_TLS_SERVER_H_
#define DSTART_TOKENPROVIDER_TLS_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log.h"

namespace dstart::spiffe::workloadapi {
struct X509Context;
}

namespace dstart::tokenprovider {

struct HttpRequest {
  std::string method;
  std::string target;                                        // Path and query as sent.
  std::string path;                                          // Before '?'.
  std::string query;                                         // After '?'.
  std::vector<std::pair<std::string, std::string>> headers;  // Names lower-cased.
  std::string body;
  std::string peer_id;  // The client's verified SPIFFE ID ("" on the plain health listener).
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
using ContextFn = std::function<std::shared_ptr<const spiffe::workloadapi::X509Context>()>;

struct TlsServerOptions {
  std::string address = "0.0.0.0";
  int port = 0;              // 0 picks a free port.
  std::string trust_domain;  // Required for TLS.
  bool tls = true;           // false: plain HTTP (the opt-in health listener).
  size_t max_connections = 256;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds header_timeout{5000};
};

class TlsServer {
 public:
  // Binds and serves on background threads. `context` must return a context with at least one
  // SVID whenever called (X509Source::Context does).
  static absl::StatusOr<std::unique_ptr<TlsServer>> Start(TlsServerOptions options,
                                                          ContextFn context, HttpHandler handler,
                                                          common::Logger logger);
  ~TlsServer();  // Stop().
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const;
  // Stops accepting and waits for connections in progress to finish. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit TlsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_TLS_SERVER_H_
