#include "secretstore/command.h"

#include <malloc.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <thread>

#include "common/file.h"
#include "common/log.h"
#include "fmt/format.h"
#include "secretstore/config.h"
#include "secretstore/core.h"

namespace dstart::secretstore {

namespace {
constexpr char kUsage[] =
    "Usage: dstart secretstore run -config FILE\n\n"
    "Runs the embedded secret store, which speaks the OpenBao HTTP API subset EdgeX uses.\n"
    "FILE is OpenBao-style HCL:\n"
    "  listener \"tcp\" { address = \"127.0.0.1:8200\"  tls_disable = true }\n"
    "  storage \"sqlite\" { path = \"/var/lib/dstart/secretstore.db\" }\n"
    "  default_lease_ttl = \"168h\"\n"
    "  max_lease_ttl = \"720h\"\n"
    "  api_addr = \"\"\n"
    "  audit_file = \"/var/log/dstart/secretstore-audit.log\"\n";
}  // namespace

int RunSecretstore(std::span<char*> args) {
  std::string config_path;
  bool run = false;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "run" && !run) {
      run = true;
    } else if ((a == "-config" || a == "--config") && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (a.starts_with("-config=") || a.starts_with("--config=")) {
      config_path = std::string(a.substr(a.find('=') + 1));
    } else {
      std::fprintf(stderr, "dstart secretstore: unexpected argument \"%s\"\n\n%s",
                   std::string(a).c_str(), kUsage);
      return 2;
    }
  }
  if (!run || config_path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  // One malloc arena: the store is small and mostly idle; per-thread arenas only add RSS.
  mallopt(M_ARENA_MAX, 1);
  common::Logger::Options log_options;
  log_options.app = "secretstore";
  common::Logger log(log_options);

  auto text = common::ReadFile(config_path);
  if (!text.ok()) {
    std::fprintf(stderr, "dstart secretstore: %s\n", std::string(text.status().message()).c_str());
    return 1;
  }
  auto config = ParseServerConfig(*text, config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "dstart secretstore: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  if (auto level = common::ParseLogLevel(config->log_level); level.ok()) log.SetLevel(*level);

  // Block the stop signals before any thread starts, so that only sigwait below sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  CoreOptions core_options;
  core_options.storage_path = config->storage_path;
  core_options.default_lease_ttl = config->default_lease_ttl;
  core_options.max_lease_ttl = config->max_lease_ttl;
  core_options.api_addr = config->api_addr;
  core_options.audit_path = config->audit_file;
  auto core = Core::Open(core_options);
  if (!core.ok()) {
    std::fprintf(stderr, "dstart secretstore: %s\n", std::string(core.status().message()).c_str());
    return 1;
  }
  common::http::ServerOptions server_options;
  server_options.address = config->host;
  server_options.port = config->port;
  server_options.tls = config->tls;
  server_options.tls_files = {config->tls_cert_file, config->tls_key_file};
  Core* c = core->get();
  auto server = common::http::Server::Start(
      server_options, [c](const common::http::Request& r) { return c->Handle(r); });
  if (!server.ok()) {
    std::fprintf(stderr, "dstart secretstore: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  DSTART_LOG_INFO(log, fmt::format("secret store listening on {}://{}:{}",
                                   config->tls ? "https" : "http", config->host, (*server)->port()));

  std::atomic<bool> stopping{false};
  std::thread sweeper([&] {
    while (!stopping) {
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!stopping) c->SweepExpiredTokens();
    }
  });
  int sig = 0;
  sigwait(&stop, &sig);
  DSTART_LOG_INFO(log, fmt::format("received signal {}, shutting down", sig));
  stopping = true;
  sweeper.join();
  (*server)->Stop();
  return 0;
}

}  // namespace dstart::secretstore
