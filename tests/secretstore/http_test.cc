#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/http/http.h"
#include "support/process.h"

namespace dstart::common::http {
namespace {

std::unique_ptr<Server> EchoServer(ServerOptions options = {}) {
  auto server = Server::Start(options, [](const Request& r) {
    Response out;
    if (r.Path() == "/empty") {
      out.status = 204;
      return out;
    }
    out.status = 200;
    out.headers.emplace_back("Content-Type", "text/plain");
    out.body = r.method + " " + std::string(r.Path()) + " q=" + std::string(r.Query()) +
               " token=" + std::string(HeaderValue(r.headers, "x-vault-token")) + " body=" + r.body;
    return out;
  });
  EXPECT_TRUE(server.ok()) << server.status();
  return std::move(*server);
}

std::unique_ptr<Client> ClientFor(const Server& server) {
  ClientOptions o;
  o.port = server.port();
  auto c = Client::Create(o);
  EXPECT_TRUE(c.ok());
  return std::move(*c);
}

TEST(HttpTest, ServesMethodsIncludingListOverKeepAlive) {
  auto server = EchoServer();
  auto client = ClientFor(*server);
  for (int i = 0; i < 3; ++i) {
    auto r = client->Do("LIST", "/v1/secret/a?list=true", {{"X-Vault-Token", "t"}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "LIST /v1/secret/a q=list=true token=t body=");
  }
  auto r = client->Do("POST", "/x", {}, R"({"a":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, R"(POST /x q= token= body={"a":1})");
  auto e = client->Do("DELETE", "/empty");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, 204);
  EXPECT_EQ(e->body, "");
}

TEST(HttpTest, RefusesBodiesOverTheLimit) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  auto server = EchoServer(o);
  auto client = ClientFor(*server);
  auto r = client->Do("POST", "/x", {}, std::string(4096, 'a'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 413);
  auto ok = client->Do("POST", "/x", {}, std::string(100, 'a'));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpTest, ServesConcurrentClients) {
  auto server = EchoServer();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto client = ClientFor(*server);
      for (int i = 0; i < 50; ++i) {
        auto r = client->Do("GET", "/a");
        if (r.ok() && r->status == 200) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 400);
}

TEST(HttpTest, ClosesConnectionsBeyondTheLimit) {
  ServerOptions o;
  o.max_connections = 1;
  auto server = EchoServer(o);
  auto first = ClientFor(*server);
  ASSERT_TRUE(first->Do("GET", "/a").ok());
  auto second = ClientFor(*server);
  EXPECT_FALSE(second->Do("GET", "/a").ok());
}

TEST(HttpTest, ReportsUnreachableServer) {
  int port;
  {
    auto server = EchoServer();
    port = server->port();
  }
  ClientOptions o;
  o.port = port;
  auto client = Client::Create(o);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Do("GET", "/");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpTest, RefusesUnreadableTlsFiles) {
  ServerOptions o;
  o.tls = true;
  o.tls_files = {"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  auto server = Server::Start(o, [](const Request&) { return Response{}; });
  EXPECT_FALSE(server.ok());
  EXPECT_NE(std::string(server.status().message()).find("tls_cert_file"), std::string::npos);
}

TEST(HttpTest, ServesOverTlsAndVerifiesTheServer) {
  dstart::testing::TempDir dir;
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  auto gen = dstart::testing::RunCommand(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout",
       key, "-out", cert});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  ServerOptions o;
  o.tls = true;
  o.tls_files = {cert, key};
  auto server = EchoServer(o);
  ClientOptions co;
  co.port = server->port();
  co.tls = true;
  co.ca_file = cert;
  auto client = Client::Create(co);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 2; ++i) {
    auto r = (*client)->Do("GET", "/tls");
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
  }
  // A client that does not trust the certificate refuses the connection.
  ClientOptions untrusting = co;
  untrusting.ca_file = (dir / "other.pem").string();
  dstart::testing::RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                               "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=other", "-days", "1",
                               "-keyout", (dir / "other.key").string(), "-out", untrusting.ca_file});
  auto other = Client::Create(untrusting);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->Do("GET", "/tls").ok());
  // Plain HTTP to a TLS port fails.
  ClientOptions plain;
  plain.port = server->port();
  plain.timeout = std::chrono::milliseconds(2000);
  auto p = Client::Create(plain);
  auto r = (*p)->Do("GET", "/tls");
  EXPECT_TRUE(!r.ok() || r->status >= 400);
}

TEST(HttpTest, ParsesQueries) {
  auto q = ParseQuery("list=true&a=%2Fb&c&d=x+y");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[1].second, "/b");
  EXPECT_EQ((*q)[2].first, "c");
  EXPECT_EQ((*q)[3].second, "x y");
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a=%2").ok());
}

}  // namespace
}  // namespace dstart::common::http
