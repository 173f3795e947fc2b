// The spire-agent commands that only need the Workload API (spec/spire.md §2.7), ready to be
// the `dstart agent` subcommand (and `spire-agent` through the link):
//
//   api fetch x509 [-socketPath P] [-timeout 5s] [-silent] [-write DIR] [-output pretty|json]
//   api fetch jwt -audience a,b [-spiffeID ID] [-socketPath P] [-timeout 5s] [-output ...]
//   api validate jwt -audience A -svid TOKEN [-socketPath P] [-timeout 5s]
//   api watch [-socketPath P]
//   healthcheck [-socketPath P] [-shallow] [-verbose]
//
// Flags are Go-style: -name value, -name=value, --name; booleans as -silent or -silent=true.
// The socket is -socketPath when given, else $SPIFFE_ENDPOINT_SOCKET when set, else
// /tmp/spire-agent/public/api.sock. Errors print to stderr as spire-agent prints them
// ("rpc error: code = PermissionDenied desc = no identity issued") with exit code 1.
#ifndef DSTART_AGENT_CLI_AGENT_CLI_H_
#define DSTART_AGENT_CLI_AGENT_CLI_H_

#include <atomic>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace dstart::agent::cli {

inline constexpr char kDefaultPublicSocket[] = "/tmp/spire-agent/public/api.sock";

struct CliIo {
  std::ostream& out;
  std::ostream& err;
  // `api watch` returns when this becomes true (checked every 100 ms); null: runs until SIGINT
  // or SIGTERM.
  const std::atomic<bool>* stop = nullptr;
};

// `args` are the words after "agent" (e.g. {"api", "fetch", "x509", "-write", "/tmp"}).
// Returns the process exit code. Commands of the agent daemon (run, explain, ...) are not here.
int RunWorkloadApiCommand(const std::vector<std::string>& args, CliIo io);

// main.cc's command signature: args[0] is the subcommand name ("agent"); writes to stdout/stderr.
int RunAgentCli(std::span<char*> args);

}  // namespace dstart::agent::cli

#endif  // DSTART_AGENT_CLI_AGENT_CLI_H_
