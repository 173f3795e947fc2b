// A real `dstart server run` in a temporary directory, for integration tests.
#ifndef DSTART_TESTS_SERVER_SERVER_FIXTURE_H_
#define DSTART_TESTS_SERVER_SERVER_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace dstart::server::testing {

using dstart::testing::CommandResult;

class RunningServer {
 public:
  // Writes server.conf (with `extra_server` lines inside the server block and `plugins` as the
  // plugins block body) and starts the server; waits for its socket.
  explicit RunningServer(const std::filesystem::path& dir, const std::string& extra_server = "",
                         const std::string& plugins = "")
      : dir_(dir) {
    socket_ = (dir / "sock" / "api.sock").string();
    std::string conf = "server {\n  bind_port = " + std::to_string(dstart::testing::FreeTcpPort()) +
                       "\n  socket_path = \"" + socket_ + "\"\n  trust_domain = \"edgexfoundry.org\"\n"
                       "  data_dir = \"" + (dir / "data").string() + "\"\n  audit_log_enabled = true\n" +
                       extra_server + "}\nplugins {\n  DataStore \"sql\" {\n    plugin_data {\n"
                       "      database_type = \"sqlite3\"\n      connection_string = \"" +
                       (dir / "data" / "datastore.sqlite3").string() + "\"\n    }\n  }\n" +
                       plugins + "}\n";
    dstart::testing::WriteFile(dir / "server.conf", conf);
    Start();
  }

  void Start() {
    process_ = std::make_unique<dstart::testing::Process>(
        "server", std::vector<std::string>{dstart::testing::DstartBinary(), "server", "run",
                                           "-config", (dir_ / "server.conf").string()},
        dir_);
    ready_ = dstart::testing::WaitFor([&] {
      return std::filesystem::exists(socket_) &&
             Cli({"healthcheck"}).exit_code == 0;
    });
  }
  int Stop(int sig = 15) { return process_->Stop(sig); }
  dstart::testing::Process& process() { return *process_; }
  bool ready() const { return ready_; }
  const std::string& socket() const { return socket_; }

  // Runs `spire-server <args...> -socketPath <sock>` (socket flag appended after the subcommand).
  CommandResult Cli(std::vector<std::string> args, const std::string& input = {}) const {
    std::vector<std::string> argv{SpireServer()};
    size_t words = (args.size() >= 2 && args[0] != "healthcheck") ? 2 : 1;
    for (size_t i = 0; i < words && i < args.size(); ++i) argv.push_back(args[i]);
    argv.push_back("-socketPath");
    argv.push_back(socket_);
    for (size_t i = words; i < args.size(); ++i) argv.push_back(args[i]);
    return dstart::testing::RunCommand(argv, {}, input);
  }

  static std::string SpireServer() {
    return (std::filesystem::path(dstart::testing::DstartBinary()).parent_path() / "spire-server")
        .string();
  }

 private:
  std::filesystem::path dir_;
  std::string socket_;
  std::unique_ptr<dstart::testing::Process> process_;
  bool ready_ = false;
};

}  // namespace dstart::server::testing

#endif  // DSTART_TESTS_SERVER_SERVER_FIXTURE_H_
