// `dstart server …` / `spire-server …`: `run` starts the server; every other subcommand is the
// spire-server CLI talking to a running server's admin socket.
#ifndef DSTART_SERVER_COMMAND_H_
#define DSTART_SERVER_COMMAND_H_

#include <span>

namespace dstart::server {

// args[0] is the command's own name ("server" or "spire-server").
int RunServer(std::span<char*> args);

}  // namespace dstart::server

#endif  // DSTART_SERVER_COMMAND_H_
