#include "agent/workloadattestor/docker/docker_engine.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {
namespace http = boost::beast::http;
using boost::asio::local::stream_protocol;

namespace {
constexpr size_t kMaxBody = 8 * 1024 * 1024;
}

std::string EscapeEnginePath(std::string_view segment) {
  std::string out;
  for (unsigned char c : segment) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '.' || c == '_' || c == '~' || c == '-' || c == ':' || c == '/' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

DockerEngineClient::DockerEngineClient(std::string socket, std::string api_version,
                                       std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  constexpr std::string_view kScheme = "unix://";
  if (socket.rfind(kScheme, 0) == 0) socket = socket.substr(kScheme.size());
  socket_path_ = std::move(socket);
  if (!api_version.empty()) {
    version_prefix_ = "/v" + (api_version[0] == 'v' ? api_version.substr(1) : api_version);
  }
}

absl::StatusOr<std::pair<int, std::string>> DockerEngineClient::Get(
    const std::string& target) const {
  boost::asio::io_context ioc;
  stream_protocol::socket sock(ioc);
  boost::system::error_code ec;
  sock.connect(stream_protocol::endpoint(socket_path_), ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("docker: cannot connect to {}: {}", socket_path_, ec.message()));
  }
  struct timeval tv;
  tv.tv_sec = timeout_.count() / 1000;
  tv.tv_usec = (timeout_.count() % 1000) * 1000;
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "dstart-agent");
  req.set(http::field::connection, "close");
  http::write(sock, req, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("docker: GET {} on {}: {}", target, socket_path_, ec.message()));
  }
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  http::read(sock, buffer, parser, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("docker: GET {} on {}: {}", target, socket_path_, ec.message()));
  }
  auto res = parser.release();
  return std::make_pair(static_cast<int>(res.result_int()), std::move(res.body()));
}

absl::StatusOr<std::string> DockerEngineClient::Inspect(const std::string& target,
                                                        std::string_view what) const {
  auto got = Get(version_prefix_ + target);
  if (!got.ok()) return got.status();
  auto& [code, body] = *got;
  if (code == 200) return std::move(body);
  std::string message = body;
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    message = json["message"].get<std::string>();
  }
  std::string text = fmt::format("docker: {} {}: HTTP {}: {}", what, target, code, message);
  if (code == 404) return absl::NotFoundError(text);
  return absl::InternalError(text);
}

absl::StatusOr<std::string> DockerEngineClient::InspectContainer(std::string_view id) const {
  return Inspect(fmt::format("/containers/{}/json", EscapeEnginePath(id)), "inspect container");
}

absl::StatusOr<std::string> DockerEngineClient::InspectImage(std::string_view name) const {
  return Inspect(fmt::format("/images/{}/json", EscapeEnginePath(name)), "inspect image");
}

}  // namespace dstart::agent::workloadattestor
