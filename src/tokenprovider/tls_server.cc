#include "tokenprovider/tls_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "crypto/certificate.h"
#include "crypto/handles.h"
#include "fmt/format.h"
#include "spiffe/workloadapi/client.h"
#include "spiffe/x509_svid.h"

namespace dstart::tokenprovider {
namespace {

using Clock = std::chrono::steady_clock;

// Bodies over the limit but under this size are read and dropped before the 413.
constexpr size_t kDrainLimit = 1024 * 1024;

struct SslCtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslDeleter {
  void operator()(SSL* s) const { SSL_free(s); }
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Request Entity Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    default:
      return "Status";
  }
}

// A connection's byte stream: TLS or plain, with reads bounded by a deadline.
class Conn {
 public:
  Conn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  // Waits until readable or the deadline passes; false on timeout.
  bool WaitReadable(Clock::time_point deadline) {
    if (ssl_ && SSL_pending(ssl_) > 0) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    return r > 0;
  }

  // Reads some bytes; 0 on EOF, timeout or error.
  size_t Read(char* buf, size_t n, Clock::time_point deadline) {
    while (true) {
      if (!WaitReadable(deadline)) return 0;
      if (ssl_) {
        int r = SSL_read(ssl_, buf, static_cast<int>(n));
        if (r > 0) return static_cast<size_t>(r);
        int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ) continue;  // e.g. a post-handshake message
        return 0;
      }
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r > 0) return static_cast<size_t>(r);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      return 0;
    }
  }

  void WriteAll(std::string_view data) {
    while (!data.empty()) {
      if (ssl_) {
        int r = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (r <= 0) return;
        data.remove_prefix(static_cast<size_t>(r));
      } else {
        ssize_t r = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (r <= 0) {
          if (r < 0 && errno == EINTR) continue;
          return;
        }
        data.remove_prefix(static_cast<size_t>(r));
      }
    }
  }

 private:
  int fd_;
  SSL* ssl_;
};

HttpResponse ErrorResponse(int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = fmt::format("{{\"statusCode\":{},\"message\":\"{}\"}}", status, message);
  return r;
}

}  // namespace

class TlsServer::Impl {
 public:
  Impl(TlsServerOptions o, ContextFn context, HttpHandler handler, common::Logger logger)
      : options_(std::move(o)),
        context_(std::move(context)),
        handler_(std::move(handler)),
        logger_(std::move(logger)) {}
  ~Impl() { Stop(); }

  absl::Status Listen();
  void Stop();
  int port() const { return port_; }

 private:
  static int CertCallback(SSL* ssl, void* arg);
  static int VerifyCallback(X509_STORE_CTX* store, void* arg);
  void AcceptLoop();
  void Serve(int fd);
  void Respond(Conn& conn, const HttpResponse& response);
  absl::Status SetupTls();

  TlsServerOptions options_;
  ContextFn context_;
  HttpHandler handler_;
  common::Logger logger_;
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable idle_;
  size_t active_ = 0;
};

int TlsServer::Impl::CertCallback(SSL* ssl, void* arg) {
  auto* self = static_cast<Impl*>(arg);
  auto context = self->context_();
  if (!context || context->svids.empty()) return 0;
  const spiffe::X509Svid& svid = context->default_svid();
  if (SSL_use_certificate(ssl, svid.leaf().get()) != 1) return 0;
  if (SSL_use_PrivateKey(ssl, svid.private_key().get()) != 1) return 0;
  SSL_clear_chain_certs(ssl);
  for (size_t i = 1; i < svid.certificates().size(); ++i) {
    if (SSL_add1_chain_cert(ssl, svid.certificates()[i].get()) != 1) return 0;
  }
  return 1;
}

// Replaces OpenSSL's chain building: the peer's chain is verified as an X.509-SVID of the
// configured trust domain against that domain's current bundle (spiffe/x509_svid.h).
int TlsServer::Impl::VerifyCallback(X509_STORE_CTX* store, void* arg) {
  auto* self = static_cast<Impl*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (leaf == nullptr) return 0;
  std::vector<crypto::Certificate> chain;
  X509_up_ref(leaf);
  chain.push_back(crypto::Certificate::FromHandle(crypto::X509Ptr(leaf)));
  STACK_OF(X509)* sent = X509_STORE_CTX_get0_untrusted(store);
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* c = sk_X509_value(sent, i);
    if (X509_cmp(c, leaf) == 0) continue;
    X509_up_ref(c);
    chain.push_back(crypto::Certificate::FromHandle(crypto::X509Ptr(c)));
  }
  absl::Status refused;
  auto context = self->context_();
  auto td = spiffe::TrustDomain::FromString(self->options_.trust_domain);
  const spiffe::Bundle* bundle = context && td.ok() ? context->bundles.Find(*td) : nullptr;
  if (bundle == nullptr) {
    refused = absl::FailedPreconditionError(
        fmt::format("no bundle for trust domain {}", self->options_.trust_domain));
  } else {
    auto id = spiffe::VerifyX509SvidChain(chain, *bundle, std::chrono::system_clock::now());
    if (!id.ok()) refused = id.status();
  }
  if (!refused.ok()) {
    DSTART_LOG_WARN(self->logger_, "client certificate refused",
                    {{"reason", std::string(refused.message())}});
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

absl::Status TlsServer::Impl::SetupTls() {
  ctx_.reset(SSL_CTX_new(TLS_server_method()));
  if (!ctx_) return absl::InternalError("SSL_CTX_new failed");
  SSL_CTX* c = ctx_.get();
  SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  if (SSL_CTX_set1_groups_list(c, "P-521:P-384:X25519:P-256") != 1) {
    return absl::InternalError("cannot set TLS groups P-521:P-384:X25519:P-256");
  }
  SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_cert_cb(c, &Impl::CertCallback, this);
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(c, &Impl::VerifyCallback, this);
  return absl::OkStatus();
}

absl::Status TlsServer::Impl::Listen() {
  if (options_.tls) {
    if (options_.trust_domain.empty()) return absl::InvalidArgumentError("trust domain required");
    if (auto s = SetupTls(); !s.ok()) return s;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options_.port));
  if (inet_pton(AF_INET, options_.address.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        fmt::format("listen address \"{}\" is not an IPv4 address", options_.address));
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return absl::InternalError(fmt::format("socket: {}", strerror(errno)));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 512) != 0) {
    std::string err = strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return absl::UnavailableError(
        fmt::format("listen on {}:{}: {}", options_.address, options_.port, err));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void TlsServer::Impl::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // EMFILE and friends
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (active_ >= options_.max_connections || stopping_) {
        ::close(fd);
        continue;
      }
      ++active_;
    }
    std::thread([this, fd] {
      Serve(fd);
      ::close(fd);
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) idle_.notify_all();
    }).detach();
  }
}

void TlsServer::Impl::Respond(Conn& conn, const HttpResponse& r) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                                r.status, Reason(r.status), r.content_type, r.body.size());
  for (const auto& [k, v] : r.headers) out += fmt::format("{}: {}\r\n", k, v);
  out += "Connection: close\r\n\r\n";
  out += r.body;
  conn.WriteAll(out);
}

void TlsServer::Impl::Serve(int fd) {
  const auto head_deadline = Clock::now() + options_.header_timeout;
  timeval tv{static_cast<time_t>(options_.header_timeout.count() / 1000),
             static_cast<suseconds_t>((options_.header_timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::unique_ptr<SSL, SslDeleter> ssl;
  HttpRequest request;
  if (options_.tls) {
    ssl.reset(SSL_new(ctx_.get()));
    if (!ssl) return;
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) {
      unsigned long e = ERR_get_error();
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      DSTART_LOG_DEBUG(logger_, "TLS handshake failed", {{"error", std::string(buf)}});
      ERR_clear_error();
      return;
    }
    X509* peer = SSL_get0_peer_certificate(ssl.get());
    if (peer == nullptr) return;  // FAIL_IF_NO_PEER_CERT makes this unreachable.
    X509_up_ref(peer);
    auto id = spiffe::IdFromCertificate(crypto::Certificate::FromHandle(crypto::X509Ptr(peer)));
    if (!id.ok()) return;
    request.peer_id = id->String();
  }
  Conn conn(fd, ssl.get());

  // Request head, within the header timeout.
  std::string buf;
  size_t head_end = std::string::npos;
  char chunk[4096];
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > options_.max_header_bytes) {
      Respond(conn, ErrorResponse(431, "request header too large"));
      return;
    }
    size_t n = conn.Read(chunk, sizeof(chunk), head_deadline);
    if (n == 0) {
      if (Clock::now() >= head_deadline) {
        DSTART_LOG_DEBUG(logger_, "closing connection: request header not received in time",
                         {{"peer", request.peer_id}});
      }
      return;
    }
    buf.append(chunk, n);
  }
  std::string_view head(buf.data(), head_end);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") {
    Respond(conn, ErrorResponse(400, "malformed request line"));
    return;
  }
  request.method = std::string(line.substr(0, sp1));
  request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  request.query = q == std::string::npos ? "" : request.target.substr(q + 1);
  std::string_view rest = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  size_t content_length = 0;
  while (!rest.empty()) {
    size_t e = rest.find("\r\n");
    std::string_view h = rest.substr(0, e);
    rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      Respond(conn, ErrorResponse(400, "malformed header line"));
      return;
    }
    std::string name = Lower(std::string(h.substr(0, colon)));
    std::string value = Trim(h.substr(colon + 1));
    if (name == "transfer-encoding") {
      Respond(conn, ErrorResponse(501, "transfer-encoding is not supported; send Content-Length"));
      return;
    }
    if (name == "content-length") {
      char* end = nullptr;
      unsigned long long v = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') {
        Respond(conn, ErrorResponse(400, "malformed Content-Length"));
        return;
      }
      content_length = v > kDrainLimit ? kDrainLimit + 1 : v;
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (content_length > options_.max_body_bytes) {
    // Read (and drop) a moderately large body first, so the client is not reset mid-send and
    // sees the 413; a huge one is answered at once.
    size_t left = buf.size() - head_end - 4;
    const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
    while (content_length <= kDrainLimit && left < content_length) {
      size_t n = conn.Read(chunk, sizeof(chunk), drain_deadline);
      if (n == 0) break;
      left += n;
    }
    Respond(conn,
            ErrorResponse(413, fmt::format("request body over {} bytes", options_.max_body_bytes)));
    if (ssl) SSL_shutdown(ssl.get());
    return;
  }
  request.body = buf.substr(head_end + 4);
  const auto body_deadline = Clock::now() + std::chrono::seconds(10);
  while (request.body.size() < content_length) {
    size_t n = conn.Read(chunk, sizeof(chunk), body_deadline);
    if (n == 0) return;
    request.body.append(chunk, n);
  }
  if (request.body.size() > content_length) request.body.resize(content_length);

  HttpResponse response;
  try {
    response = handler_(request);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, "internal error");
  }
  Respond(conn, response);
  if (ssl) SSL_shutdown(ssl.get());
}

void TlsServer::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait_for(lock, std::chrono::seconds(30), [this] { return active_ == 0; });
}

absl::StatusOr<std::unique_ptr<TlsServer>> TlsServer::Start(TlsServerOptions options,
                                                            ContextFn context, HttpHandler handler,
                                                            common::Logger logger) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(context), std::move(handler),
                                     std::move(logger));
  if (auto s = impl->Listen(); !s.ok()) return s;
  return std::unique_ptr<TlsServer>(new TlsServer(std::move(impl)));
}

TlsServer::TlsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsServer::~TlsServer() = default;
int TlsServer::port() const { return impl_->port(); }
void TlsServer::Stop() { impl_->Stop(); }

}  // namespace dstart::tokenprovider
