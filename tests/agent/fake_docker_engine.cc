#include "fake_docker_engine.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <stdexcept>

namespace dstart::agent::workloadattestor {
namespace http = boost::beast::http;

FakeDockerEngine::FakeDockerEngine(std::string socket_path) : socket_path_(std::move(socket_path)) {
  ::unlink(socket_path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("FakeDockerEngine: cannot listen on " + socket_path_);
  }
  thread_ = std::thread([this] { Serve(); });
}

FakeDockerEngine::~FakeDockerEngine() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
  ::unlink(socket_path_.c_str());
}

void FakeDockerEngine::Respond(const std::string& target, int status, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[target] = {status, std::move(body)};
}

void FakeDockerEngine::FailNext(const std::string& target, int status, int times) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_[target] = {status, times};
}

std::vector<std::string> FakeDockerEngine::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeDockerEngine::Serve() {
  boost::asio::io_context ioc;
  while (!stop_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    boost::asio::local::stream_protocol::socket sock(ioc, boost::asio::local::stream_protocol(),
                                                     fd);
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(sock, buffer, req, ec);
      if (ec) break;
      std::string target(req.target());
      int status = 404;
      std::string body =
          R"({"message":"No such container: )" + target + R"("})";
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(target);
        auto f = failures_.find(target);
        auto r = routes_.find(target);
        if (f != failures_.end() && f->second.second > 0) {
          --f->second.second;
          status = f->second.first;
          body = R"({"message":"injected failure"})";
        } else if (r != routes_.end()) {
          status = r->second.first;
          body = r->second.second;
        }
      }
      http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::server, "Docker/24.0.5 (linux)");
      res.set("Api-Version", "1.43");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(body);
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !req.keep_alive()) break;
    }
  }
}

}  // namespace dstart::agent::workloadattestor
