#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <thread>

#include "common/http/http.h"
#include "fmt/format.h"

namespace dstart::common::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ssl_(asio::ssl::context::tls_server),
        acceptor_(asio::make_strand(ioc_)) {}
  ~Impl() { Stop(); }

  absl::Status Listen();
  void Run();
  void Stop();
  int port() const { return port_; }

  // Sessions reach back for these.
  const ServerOptions& options() const { return options_; }
  Response Handle(const Request& request);
  std::atomic<size_t> connections{0};

 private:
  void Accept();

  ServerOptions options_;
  Handler handler_;
  asio::ssl::context ssl_;  // Outlives ioc_, whose destruction frees the sessions.
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
};

namespace {

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(Server::Impl* server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...) {
    ++server_->connections;
  }
  ~Session() { --server_->connections; }

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&Session::Read, this->shared_from_this()));
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->Read();
                              });
    }
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options().max_header_bytes));
    parser_->body_limit(server_->options().max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_->options().idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      Response r;
      r.status = ec == bhttp::error::body_limit ? 413 : 431;
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = R"({"errors":["request too large"]})";
      Write(r, /*keep_alive=*/false);
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec) {
      Close();
      return;
    }
    auto& msg = parser_->get();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(msg.body());
    beast::error_code ignored;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ignored);
    if (!ignored) request.remote_address = endpoint.address().to_string();
    Response response = server_->Handle(request);
    Write(response, msg.keep_alive());
  }

  void Write(const Response& r, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers) res->insert(k, v);
    bool bodiless = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
    if (!bodiless) res->body() = r.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keep_alive](beast::error_code ec,
                                                                          size_t) {
                         if (ec || !keep_alive) {
                           self->Close();
                           return;
                         }
                         self->Read();
                       });
  }

  void Close() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Server::Impl* server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
};

}  // namespace

Response Server::Impl::Handle(const Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    Response r;
    r.status = 500;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = R"({"errors":["internal error"]})";
    return r;
  }
}

absl::Status Server::Impl::Listen() {
  beast::error_code ec;
  if (options_.tls) {
    ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    ssl_.use_certificate_chain_file(options_.tls_files.cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(fmt::format("tls_cert_file {}: {}",
                                                    options_.tls_files.cert_file, ec.message()));
    }
    ssl_.use_private_key_file(options_.tls_files.key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          fmt::format("tls_key_file {}: {}", options_.tls_files.key_file, ec.message()));
    }
  }
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("listen address \"{}\": {}", options_.address, ec.message()));
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("listen on {}:{}: {}", options_.address, options_.port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  return absl::OkStatus();
}

void Server::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopped_) return;
      Accept();
      return;
    }
    if (connections.load() >= options_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      if (options_.tls) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(this, std::move(socket), ssl_)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket))->Start();
      }
    }
    Accept();
  });
}

void Server::Impl::Run() {
  Accept();
  size_t n = options_.threads == 0 ? 1 : options_.threads;
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

void Server::Impl::Stop() {
  if (stopped_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  ioc_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
  impl->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }
int Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace dstart::common::http
