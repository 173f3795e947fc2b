// The token provider's HTTP API (spec/edgex.md §8.1): POST /api/v3/gettoken, GET /api/v3/ping,
// GET /api/v3/version. Requests arrive with the peer's verified SPIFFE ID (tls_server.h).
//
// gettoken: form or query fields service_key, known_secret_names (repeated or comma-separated,
// trimmed) and raw_token. 405 for another method; 400 for a form error, an SVID outside
// spiffe://<td>/service/<name>, or a key the rules of rules.h forbid; 429 when the SVID has
// used its grants for the minute; 500 when the privileged token cannot be read, minting fails or
// seeding fails. Error bodies are JSON {"apiVersion":"v3","statusCode":N,"message":"<reason>"}.
//
// Thread-safety: Handle may be called from many threads at once.
#ifndef DSTART_TOKENPROVIDER_SERVICE_H_
#define DSTART_TOKENPROVIDER_SERVICE_H_

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "common/log.h"
#include "tokenprovider/config.h"
#include "tokenprovider/minter.h"
#include "tokenprovider/tls_server.h"

namespace dstart::tokenprovider {

// At most `per_minute` grants per SVID in any 60 s window (0: unlimited).
class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  // True when a grant is allowed now (and counts it).
  bool Allow(const std::string& who, std::chrono::steady_clock::time_point now);

 private:
  int per_minute_;
  std::mutex mu_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> grants_;
};

class TokenService {
 public:
  TokenService(Config config, common::Logger logger);
  HttpResponse Handle(const HttpRequest& request);

 private:
  HttpResponse GetToken(const HttpRequest& request);
  Config config_;
  common::Logger logger_;
  Minter minter_;
  RateLimiter limiter_;
};

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_SERVICE_H_
