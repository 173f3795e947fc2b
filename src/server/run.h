// `spire-server run`: loads the configuration, opens the datastore, starts the CA and the admin
// API, and serves until SIGINT/SIGTERM.
#ifndef DSTART_SERVER_RUN_H_
#define DSTART_SERVER_RUN_H_

#include <string>
#include <vector>

namespace dstart::server {

int Run(const std::vector<std::string>& args);

}  // namespace dstart::server

#endif  // DSTART_SERVER_RUN_H_
