// `dstart secretstore`: the embedded secret store's command line.
#ifndef DSTART_SECRETSTORE_COMMAND_H_
#define DSTART_SECRETSTORE_COMMAND_H_

#include <span>

namespace dstart::secretstore {

// args[0] is "secretstore". `run -config FILE` serves until SIGTERM/SIGINT.
int RunSecretstore(std::span<char*> args);

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_COMMAND_H_
