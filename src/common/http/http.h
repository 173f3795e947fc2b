// A small HTTP/1.1 server and client on Boost.Beast/Asio, with optional TLS and keep-alive.
//
// Beast and Asio stay inside the .cc files: this header is all a caller sees. The server runs a
// fixed pool of I/O threads; a handler is called on one of them, once per request, and must be
// thread-safe. The client is synchronous, keeps one connection open across calls and is not
// thread-safe (one Client per thread).
#ifndef DSTART_COMMON_HTTP_HTTP_H_
#define DSTART_COMMON_HTTP_HTTP_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dstart::common::http {

// Header names keep the case they arrived with; lookups ignore case.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Returns the first value of header `name` (case-insensitive), or "" when absent.
std::string_view HeaderValue(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // As sent, e.g. "GET", "LIST".
  std::string target;  // Path and query as sent, e.g. "/v1/secret/a?list=true".
  Headers headers;
  std::string body;
  std::string remote_address;  // Peer IP, for logs.

  // The target before '?', and the raw query after it ("" when none).
  std::string_view Path() const;
  std::string_view Query() const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Length is added by the server; Content-Type is not defaulted.
  std::string body;
};

// Percent-decodes `s` ('+' stays '+'); refuses malformed escapes.
absl::StatusOr<std::string> PercentDecode(std::string_view s);
// Parses a query string into decoded name/value pairs, in order ("a=1&b" gives {a,1},{b,""}).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view query);

struct TlsFiles {
  std::string cert_file;  // PEM chain, leaf first.
  std::string key_file;   // PEM private key.
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; see Server::port().
  bool tls = false;
  TlsFiles tls_files;
  size_t threads = 2;
  size_t max_connections = 512;  // Further connections are accepted and closed at once.
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 32 * 1024 * 1024;  // OpenBao's default max_request_size.
  std::chrono::seconds idle_timeout{90};      // Keep-alive connections idle this long are closed.
};

using Handler = std::function<Response(const Request&)>;

class Server {
 public:
  // Binds and listens; threads start serving at once. Fails when the address cannot be bound or
  // the TLS files cannot be loaded.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options, Handler handler);
  ~Server();  // Stops accepting, closes connections and joins the threads.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  void Stop();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 80;
  bool tls = false;
  std::string ca_file;        // Trust anchors for TLS; empty uses the system store.
  std::string cert_file;      // Client certificate for mutual TLS (optional).
  std::string key_file;
  bool verify_peer = true;    // Set false only in tests.
  std::chrono::milliseconds timeout{30000};
  size_t max_body_bytes = 64 * 1024 * 1024;
};

class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request over the kept-alive connection, reconnecting once if the server closed it.
  // A Host header and Content-Length are added. Transport errors are kUnavailable.
  absl::StatusOr<Response> Do(std::string_view method, std::string_view target,
                              const Headers& headers = {}, std::string_view body = {});

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::common::http

#endif  // DSTART_COMMON_HTTP_HTTP_H_
