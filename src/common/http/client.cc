#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "common/http/http.h"
#include "fmt/format.h"

namespace dstart::common::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Client::Impl {
 public:
  explicit Impl(ClientOptions options)
      : options_(std::move(options)), ssl_(asio::ssl::context::tls_client) {}

  absl::Status Configure() {
    if (!options_.tls) return absl::OkStatus();
    beast::error_code ec;
    ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    if (options_.verify_peer) {
      ssl_.set_verify_mode(asio::ssl::verify_peer);
      if (options_.ca_file.empty()) {
        ssl_.set_default_verify_paths(ec);
      } else {
        ssl_.load_verify_file(options_.ca_file, ec);
      }
      if (ec) return absl::InvalidArgumentError(fmt::format("ca file: {}", ec.message()));
    } else {
      ssl_.set_verify_mode(asio::ssl::verify_none);
    }
    if (!options_.cert_file.empty()) {
      ssl_.use_certificate_chain_file(options_.cert_file, ec);
      if (!ec) ssl_.use_private_key_file(options_.key_file, asio::ssl::context::pem, ec);
      if (ec) {
        return absl::InvalidArgumentError(
            fmt::format("client certificate {}: {}", options_.cert_file, ec.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Response> Do(std::string_view method, std::string_view target,
                              const Headers& headers, std::string_view body) {
    bhttp::request<bhttp::string_body> req;
    bhttp::verb verb = bhttp::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == bhttp::verb::unknown) {
      req.method_string(beast::string_view(method.data(), method.size()));
    } else {
      req.method(verb);
    }
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(bhttp::field::host, fmt::format("{}:{}", options_.host, options_.port));
    for (const auto& [k, v] : headers) req.insert(k, v);
    req.body() = std::string(body);
    req.keep_alive(true);
    req.prepare_payload();
    if (method == "GET" || method == "DELETE" || method == "LIST") {
      if (body.empty()) req.erase(bhttp::field::content_length);
    }

    // A kept-alive connection the server closed meanwhile fails on first use: retry once afresh.
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = connected_;
      if (!connected_) {
        if (absl::Status s = Connect(); !s.ok()) return s;
      }
      beast::error_code ec;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      if (parser_skip_body(method)) parser.skip(true);
      Lowest().expires_after(options_.timeout);
      if (tls_stream_) {
        bhttp::write(*tls_stream_, req, ec);
        if (!ec) bhttp::read(*tls_stream_, buffer_, parser, ec);
      } else {
        bhttp::write(*tcp_stream_, req, ec);
        if (!ec) bhttp::read(*tcp_stream_, buffer_, parser, ec);
      }
      if (ec) {
        Disconnect();
        if (reused) continue;
        return absl::UnavailableError(fmt::format("{} {}:{}{}: {}", method, options_.host,
                                                  options_.port, target, ec.message()));
      }
      auto& msg = parser.get();
      Response out;
      out.status = static_cast<int>(msg.result_int());
      for (const auto& field : msg) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      out.body = std::move(msg.body());
      if (!msg.keep_alive()) Disconnect();
      return out;
    }
    return absl::UnavailableError("connection closed by server");
  }

 private:
  static bool parser_skip_body(std::string_view method) { return method == "HEAD"; }

  beast::tcp_stream& Lowest() {
    return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *tcp_stream_;
  }

  absl::Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec) {
      return absl::UnavailableError(fmt::format("resolve {}: {}", options_.host, ec.message()));
    }
    buffer_.clear();
    if (options_.tls) {
      tls_stream_.emplace(ioc_, ssl_);
      if (!SSL_set_tlsext_host_name(tls_stream_->native_handle(), options_.host.c_str())) {
        return absl::InternalError("cannot set TLS server name");
      }
      if (options_.verify_peer) {
        tls_stream_->set_verify_callback(asio::ssl::host_name_verification(options_.host));
      }
      auto& lowest = beast::get_lowest_layer(*tls_stream_);
      lowest.expires_after(options_.timeout);
      lowest.connect(results, ec);
      if (!ec) {
        lowest.socket().set_option(tcp::no_delay(true), ec);
        tls_stream_->handshake(asio::ssl::stream_base::client, ec);
      }
    } else {
      tcp_stream_.emplace(ioc_);
      tcp_stream_->expires_after(options_.timeout);
      tcp_stream_->connect(results, ec);
      if (!ec) tcp_stream_->socket().set_option(tcp::no_delay(true), ec);
    }
    if (ec) {
      Disconnect();
      return absl::UnavailableError(
          fmt::format("connect {}:{}: {}", options_.host, options_.port, ec.message()));
    }
    connected_ = true;
    return absl::OkStatus();
  }

  void Disconnect() {
    connected_ = false;
    tls_stream_.reset();
    tcp_stream_.reset();
  }

  ClientOptions options_;
  asio::io_context ioc_;
  asio::ssl::context ssl_;
  std::optional<beast::tcp_stream> tcp_stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (absl::Status s = impl->Configure(); !s.ok()) return s;
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

absl::StatusOr<Response> Client::Do(std::string_view method, std::string_view target,
                                    const Headers& headers, std::string_view body) {
  return impl_->Do(method, target, headers, body);
}

}  // namespace dstart::common::http
