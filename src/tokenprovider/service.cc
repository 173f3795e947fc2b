#include "tokenprovider/service.h"

#include <nlohmann/json.hpp>

#include "common/http/http.h"
#include "fmt/format.h"
#include "tokenprovider/rules.h"

#ifndef DSTART_VERSION
#define DSTART_VERSION "0.0.0"
#endif

namespace dstart::tokenprovider {
namespace {

using json = nlohmann::json;

HttpResponse Error(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = json{{"apiVersion", "v3"}, {"statusCode", status}, {"message", message}}.dump();
  return r;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string_view Header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// Form fields: query first, then a urlencoded body (Go's ParseForm keeps both).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseForm(const HttpRequest& r) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](std::string raw) -> absl::Status {
    for (char& c : raw) {
      if (c == '+') c = ' ';
    }
    auto pairs = common::http::ParseQuery(raw);
    if (!pairs.ok()) return pairs.status();
    out.insert(out.end(), pairs->begin(), pairs->end());
    return absl::OkStatus();
  };
  if (auto s = add(r.query); !s.ok()) return s;
  std::string_view type = Header(r, "content-type");
  if (!r.body.empty() &&
      (type.empty() || type.substr(0, 33) == "application/x-www-form-urlencoded")) {
    if (auto s = add(r.body); !s.ok()) return s;
  }
  return out;
}

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False")
    return false;
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

bool RateLimiter::Allow(const std::string& who, std::chrono::steady_clock::time_point now) {
  if (per_minute_ <= 0) return true;
  const auto window = std::chrono::minutes(1);
  std::lock_guard<std::mutex> lock(mu_);
  if (grants_.size() > 4096) {  // Forget identities idle for a minute so the map stays bounded.
    for (auto it = grants_.begin(); it != grants_.end();) {
      it = (it->second.empty() || now - it->second.back() >= window) ? grants_.erase(it) : ++it;
    }
  }
  auto& times = grants_[who];
  while (!times.empty() && now - times.front() >= window) times.pop_front();
  if (times.size() >= static_cast<size_t>(per_minute_)) return false;
  times.push_back(now);
  return true;
}

TokenService::TokenService(Config config, common::Logger logger)
    : config_(config),
      logger_(logger),
      minter_(config, logger),
      limiter_(config.rate_limit_per_minute) {}

HttpResponse TokenService::Handle(const HttpRequest& request) {
  if (request.path == "/api/v3/gettoken") return GetToken(request);
  if (request.path == "/api/v3/ping" || request.path == "/api/v3/version") {
    if (request.method != "GET") return Error(405, "only allow GET method");
    HttpResponse r;
    if (request.path == "/api/v3/ping") {
      r.content_type = "text/plain";
      r.body = "pong";
    } else {
      r.body = json{{"apiVersion", "v3"},
                    {"version", DSTART_VERSION},
                    {"serviceName", "security-spiffe-token-provider"}}
                   .dump();
    }
    return r;
  }
  return Error(404, fmt::format("no such endpoint: {}", request.path));
}

HttpResponse TokenService::GetToken(const HttpRequest& request) {
  DSTART_LOG_DEBUG(logger_, "receiving gettoken request");
  if (request.method != "POST") {
    DSTART_LOG_ERROR(logger_, "only allow POST method");
    return Error(405, "only allow POST method");
  }
  auto form = ParseForm(request);
  if (!form.ok()) {
    std::string m = fmt::format("could not parse form: {}", std::string(form.status().message()));
    DSTART_LOG_ERROR(logger_, m);
    return Error(400, m);
  }
  std::string requested;
  std::vector<std::string> secrets;
  std::optional<std::string> raw_token;
  for (const auto& [k, v] : *form) {
    if (k == "service_key" && requested.empty()) {
      requested = Trim(v);
    } else if (k == "known_secret_names") {
      size_t start = 0;
      while (start <= v.size()) {
        size_t comma = v.find(',', start);
        std::string name = Trim(std::string_view(v).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!name.empty() && std::find(secrets.begin(), secrets.end(), name) == secrets.end()) {
          secrets.push_back(name);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (k == "raw_token" && !raw_token) {
      raw_token = v;
    }
  }

  DSTART_LOG_DEBUG(logger_, "extracting peer SVID from TLS peer certificates...");
  DSTART_LOG_DEBUG(logger_, "verifying SVID format and server key...");
  auto name = ServiceNameFromId(request.peer_id, config_.trust_domain);
  if (!name.ok()) {
    std::string m(name.status().message());
    DSTART_LOG_ERROR(logger_, m, {{"svid", request.peer_id}});
    return Error(400, m);
  }
  auto key = AuthorizeServiceKey(*name, requested);
  if (!key.ok()) {
    std::string m(key.status().message());
    DSTART_LOG_ERROR(logger_, m, {{"svid", request.peer_id}});
    return Error(400, m);
  }
  DSTART_LOG_DEBUG(logger_, "successful SVID and service key validation");
  if (!limiter_.Allow(request.peer_id, std::chrono::steady_clock::now())) {
    std::string m = fmt::format("rate limit: {} has had {} tokens in the last minute",
                                request.peer_id, config_.rate_limit_per_minute);
    DSTART_LOG_WARN(logger_, m);
    HttpResponse r = Error(429, m);
    r.headers.emplace_back("Retry-After", "60");
    return r;
  }

  auto privileged = ReadTokenFile(config_.token_file);
  if (!privileged.ok()) {
    std::string m = fmt::format("failed to load secret store token: {}",
                                std::string(privileged.status().message()));
    DSTART_LOG_ERROR(logger_, m);
    return Error(500, m);
  }
  DSTART_LOG_INFO(logger_, fmt::format("generating policy/token defaults for service {}", *key));
  DSTART_LOG_INFO(logger_, fmt::format("using policy/token defaults for service {}", *key));
  auto token = minter_.Mint(*privileged, *key);
  if (!token.ok()) {
    std::string m =
        fmt::format("failed create secret store token: {}", std::string(token.status().message()));
    DSTART_LOG_ERROR(logger_, m);
    return Error(500, m);
  }
  DSTART_LOG_DEBUG(logger_, "seeding the known secrets if any...");
  if (auto s = minter_.SeedKnownSecrets(*privileged, *key, secrets); !s.ok()) {
    std::string m = fmt::format("failed to seed known secrets: {}", std::string(s.message()));
    DSTART_LOG_ERROR(logger_, m);
    return Error(500, m);
  }
  DSTART_LOG_INFO(logger_, "successfully got raw token");
  DSTART_LOG_INFO(logger_, "token granted",
                  {{"svid", request.peer_id}, {"service_key", *key}, {"secrets", Join(secrets)}});

  bool raw = false;
  if (!raw_token) {
    DSTART_LOG_WARN(logger_, "raw_token not set, returning the JSON response");
  } else if (auto b = ParseGoBool(*raw_token)) {
    raw = *b;
  } else {
    DSTART_LOG_WARN(
        logger_,
        fmt::format("could not parse raw_token \"{}\", returning the JSON response", *raw_token));
  }
  HttpResponse r;
  if (raw) {
    r.content_type = "text/plain";
    r.body = token->client_token;
  } else {
    r.body = token->response_json;
  }
  return r;
}

}  // namespace dstart::tokenprovider
