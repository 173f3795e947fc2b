// The secret store's request handling: the OpenBao HTTP API subset of spec/secretstore.md, from
// wire conventions (§1) down to storage. Transport-agnostic: Handle takes a parsed HTTP request.
//
// Thread-safe: Handle may be called from any number of server threads.
#ifndef DSTART_SECRETSTORE_CORE_H_
#define DSTART_SECRETSTORE_CORE_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http/http.h"

namespace dstart::secretstore {

struct CoreOptions {
  std::string storage_path;  // SQLite file.
  std::chrono::seconds default_lease_ttl{168 * 3600};
  std::chrono::seconds max_lease_ttl{720 * 3600};
  std::string api_addr;    // Prefix of the OIDC issuer (§1.9); empty gives "/v1/identity/oidc".
  std::string audit_path;  // One JSON line per request; empty disables the audit log.
  // Time source in unix seconds; tests move it forward.
  std::function<int64_t()> now;
};

class Core {
 public:
  static absl::StatusOr<std::unique_ptr<Core>> Open(CoreOptions options);
  ~Core();

  common::http::Response Handle(const common::http::Request& request);
  // Revokes tokens whose TTL ran out. Called periodically by the server; harmless while sealed.
  void SweepExpiredTokens();

  class Impl;

 private:
  explicit Core(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_CORE_H_
