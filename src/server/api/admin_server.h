// The server's admin API: gRPC on the private Unix socket (spec/spire.md §6.4, "local" caller).
// The socket is created owner-only (0600). Every call is audit-logged with the caller's uid and
// pid read from SO_PEERCRED (spec §6.6) when auditing is on.
#ifndef DSTART_SERVER_API_ADMIN_SERVER_H_
#define DSTART_SERVER_API_ADMIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace dstart::common {
class Logger;
}
namespace dstart::server::datastore {
class DataStore;
}
namespace dstart::server::ca {
class Manager;
}

namespace dstart::server::api {

struct AdminServerOptions {
  std::string socket_path;
  std::string trust_domain;               // "example.org"
  datastore::DataStore* datastore = nullptr;  // required; must outlive the server
  ca::Manager* ca = nullptr;                  // null: bundle and minting calls are Unavailable
  const common::Logger* logger = nullptr;     // required; must outlive the server
  bool audit_log = false;
};

class AdminServer {
 public:
  // Binds the socket (replacing a stale socket file) and starts serving.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(AdminServerOptions options);
  ~AdminServer();  // stops serving and removes the socket file
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Stops accepting, finishes calls in flight, removes the socket file. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::server::api

#endif  // DSTART_SERVER_API_ADMIN_SERVER_H_
