// What every spire-server CLI command shares: the admin socket flags, the gRPC channel, error
// printing and Go-style quoting. Internal to src/server/cli.
#ifndef DSTART_SERVER_CLI_COMMON_H_
#define DSTART_SERVER_CLI_COMMON_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "server/cli/flags.h"

namespace dstart::server::cli {

// The default admin socket of spire-server.
inline constexpr const char* kDefaultSocketPath = "/tmp/spire-server/private/api.sock";

struct SocketFlags {
  std::string socket_path = kDefaultSocketPath;
  std::string instance;
  void Add(FlagSet& flags);
  // -socketPath, else -instance with SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE, else
  // SPIRE_SERVER_PRIVATE_SOCKET, else the default (spec/spire.md §2).
  std::string Resolve(const FlagSet& flags) const;
};

std::shared_ptr<grpc::Channel> Dial(const std::string& socket_path);

// "rpc error: code = NotFound desc = ..." as Go's status error prints.
std::string RpcError(const grpc::Status& status);

// Prints "Error: <msg>" to stderr and returns 1.
int Fail(const std::string& msg);

// Parses flags; on a flag error prints it and the usage to stderr. Returns false on error
// (*exit_code set: 1, or 0 for -h).
bool ParseFlags(FlagSet& flags, const std::string& usage_name, const std::vector<std::string>& args,
                int* exit_code);

// Go's %q for printable ASCII/UTF-8 text.
std::string GoQuote(const std::string& s);

// Go's time.Time.String() for a UTC instant: "2026-01-01 00:00:00 +0000 UTC".
std::string GoUtcTime(int64_t unix_seconds);
// Go's time.Time.String() in the local zone: "2026-01-01 01:00:00 +0100 CET".
std::string GoLocalTime(int64_t unix_seconds);

}  // namespace dstart::server::cli

#endif  // DSTART_SERVER_CLI_COMMON_H_
