// `dstart token-provider`: EdgeX's security-spiffe-token-provider.
#ifndef DSTART_TOKENPROVIDER_COMMAND_H_
#define DSTART_TOKENPROVIDER_COMMAND_H_

#include <span>

namespace dstart::tokenprovider {

// args[0] is "token-provider". `run [-c DIR | -config FILE]` serves until SIGTERM/SIGINT.
int RunTokenProvider(std::span<char*> args);

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_COMMAND_H_
