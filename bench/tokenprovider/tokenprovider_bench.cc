// Measures POST /api/v3/gettoken over a fresh mutual TLS 1.3 connection per exchange, for both
// minting strategies (token-role, userpass), and GET /api/v3/ping over fresh handshakes, against
// the embedded secret store. Bounded: at most `count` exchanges or `seconds` per series.
// Usage: bench_tokenprovider [count=200] [seconds=20]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/http/http.h"
#include "tokenprovider/stack.h"

using namespace dstart::tokenprovider::testing;  // NOLINT
using Clock = std::chrono::steady_clock;

namespace {

struct Series {
  std::vector<double> ms;
  int failures = 0;
  double seconds = 0;
};

Series Run(Stack& s, int port, const std::string& cert, const std::string& path,
           const std::string& body, int count, double max_seconds) {
  Series out;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (std::chrono::duration<double>(Clock::now() - start).count() > max_seconds) break;
    auto t0 = Clock::now();
    dstart::common::http::ClientOptions o;
    o.host = "localhost";
    o.port = port;
    o.tls = true;
    o.ca_file = (s.dir() / "bundle.pem").string();
    o.cert_file = cert + ".pem";
    o.key_file = cert + ".key";
    auto client = dstart::common::http::Client::Create(o);
    bool ok = false;
    if (client.ok()) {
      dstart::common::http::Headers h;
      if (!body.empty()) h.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      auto r = (*client)->Do(body.empty() ? "GET" : "POST", path, h, body);
      ok = r.ok() && r->status == 200;
      if (!r.ok() && out.failures == 0) {
        std::fprintf(stderr, "first failure: %s\n", std::string(r.status().message()).c_str());
      } else if (r.ok() && !ok && out.failures == 0) {
        std::fprintf(stderr, "first failure: %d %s\n", r->status, r->body.c_str());
      }
    }
    auto t1 = Clock::now();
    if (ok) {
      out.ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    } else {
      ++out.failures;
    }
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

void Print(const char* name, Series s) {
  std::sort(s.ms.begin(), s.ms.end());
  auto pct = [&](double p) {
    return s.ms.empty() ? 0.0
                        : s.ms[std::min(s.ms.size() - 1, static_cast<size_t>(p * s.ms.size()))];
  };
  std::printf("%-34s n=%-5zu failures=%-3d %8.1f /s  p50 %7.2f ms  p90 %7.2f ms  max %7.2f ms\n",
              name, s.ms.size(), s.failures, s.ms.size() / s.seconds, pct(0.5), pct(0.9),
              s.ms.empty() ? 0.0 : s.ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 200;
  double seconds = argc > 2 ? std::atof(argv[2]) : 20;
  try {
    Stack s;
    s.Start();
    std::string cert = s.ClientSvid("spiffe://edgexfoundry.org/service/core-data");
    const std::string form = "service_key=core-data&known_secret_names=redisdb";
    Print("ping (fresh mTLS 1.3)",
          Run(s, s.token_role_port(), cert, "/api/v3/ping", "", count, seconds));
    Print(
        "gettoken token-role (fresh mTLS)",
        Run(s, s.token_role_port(), cert, "/api/v3/gettoken?raw_token=true", form, count, seconds));
    Print("gettoken userpass (fresh mTLS)",
          Run(s, s.userpass_port(), cert, "/api/v3/gettoken?raw_token=true", form,
              std::max(1, count / 4), seconds));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tokenprovider: %s\n", e.what());
    return 1;
  }
  return 0;
}
