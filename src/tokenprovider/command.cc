#include "tokenprovider/command.h"

#include <csignal>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/log.h"
#include "fmt/format.h"
#include "spiffe/workloadapi/client.h"
#include "tokenprovider/config.h"
#include "tokenprovider/service.h"
#include "tokenprovider/tls_server.h"

namespace dstart::tokenprovider {
namespace {

constexpr char kUsage[] =
    "Usage: dstart token-provider run [options]\n"
    "\n"
    "Exchanges an X.509-SVID for a secret-store token over mutual TLS 1.3\n"
    "(POST /api/v3/gettoken, GET /api/v3/ping, GET /api/v3/version).\n"
    "\n"
    "Options:\n"
    "  -c, --configDir DIR     read DIR/configuration.yaml\n"
    "  -cf, --configFile FILE  read FILE (also -config FILE)\n"
    "\n"
    "Keys (env overrides as EdgeX: SERVICE_PORT, SPIFFE_TRUSTDOMAIN, ...):\n"
    "  Service.Host, Service.Port (59841), Service.ServerBindAddr, Service.MaxConnections,\n"
    "  Service.HealthPort (0 = off; plain HTTP GET /api/v3/ping), Service.HealthAddr (127.0.0.1)\n"
    "  TokenConfig.DefaultTokenTTL (1h), DefaultJWTTTL (15m), DefaultJWTAudience (edgex),\n"
    "  UserPassMountPoint (userpass), MintStrategy (token-role | userpass),\n"
    "  RateLimitPerMinute (30; 0 = off)\n"
    "  Spiffe.EndpointSocket, Spiffe.TrustDomain (edgexfoundry.org)\n"
    "  SecretStore.Protocol, Host, Port, RootCaCertPath, TokenFile\n";

bool StopRequested(const sigset_t& stop) {
  timespec zero{0, 0};
  return sigtimedwait(&stop, nullptr, &zero) > 0;
}

}  // namespace

int RunTokenProvider(std::span<char*> args) {
  std::string config_path;
  bool run = false;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      if (a == flag && i + 1 < args.size()) return std::string(args[++i]);
      if (a.size() > flag.size() && a.substr(0, flag.size()) == flag && a[flag.size()] == '=') {
        return std::string(a.substr(flag.size() + 1));
      }
      return std::nullopt;
    };
    if (a == "--help" || a == "-help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::optional<std::string> v;
    if (a == "run" && !run) {
      run = true;
    } else if ((v = value("-c")) || (v = value("--configDir")) || (v = value("-configDir"))) {
      config_path = *v + "/configuration.yaml";
    } else if ((v = value("-cf")) || (v = value("--configFile")) || (v = value("-config")) ||
               (v = value("--config"))) {
      config_path = *v;
    } else {
      std::fprintf(stderr, "dstart token-provider: unexpected argument \"%s\"\n\n%s",
                   std::string(a).c_str(), kUsage);
      return 2;
    }
  }
  if (!run) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  common::Logger::Options log_options;
  log_options.app = "security-spiffe-token-provider";
  log_options.level = common::LogLevel::kDebug;
  common::Logger log(log_options);
  auto config = LoadConfig(config_path, common::ProcessEnvironment(), &log);
  if (!config.ok()) {
    std::fprintf(stderr, "dstart token-provider: %s\n",
                 std::string(config.status().message()).c_str());
    return 1;
  }
  if (auto level = common::ParseLogLevel(config->log_level); level.ok()) log.SetLevel(*level);
  DSTART_LOG_INFO(log, config->startup_msg);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  if (config->store_protocol == "https" && config->store_root_ca.empty()) {
    DSTART_LOG_INFO(log, "bypassing certificate verification for secret store connection");
  }

  spiffe::workloadapi::ClientOptions source_options;
  source_options.address = config->endpoint_socket;
  if (!source_options.address.empty() && source_options.address.front() == '/') {
    source_options.address = "unix://" + source_options.address;
  }
  // EdgeX blocks until the first SVID arrives; so do we, but a stop signal still ends the wait.
  std::unique_ptr<spiffe::workloadapi::X509Source> source;
  while (!source) {
    auto created = spiffe::workloadapi::X509Source::Create(source_options, std::chrono::seconds(2));
    if (created.ok()) {
      source = std::move(*created);
      break;
    }
    if (created.status().code() == absl::StatusCode::kInvalidArgument) {
      DSTART_LOG_ERROR(log, fmt::format("unable to create X509Source: {}",
                                        std::string(created.status().message())));
      return 1;
    }
    DSTART_LOG_DEBUG(log,
                     fmt::format("waiting for an X509-SVID from {}: {}", source_options.address,
                                 std::string(created.status().message())));
    if (StopRequested(stop)) return 0;
  }
  DSTART_LOG_INFO(log, "created X509Source successfully",
                  {{"spiffe_id", source->GetX509Svid().id().String()}});

  auto service = std::make_shared<TokenService>(*config, log);
  TlsServerOptions options;
  options.address = config->listen_address;
  options.port = config->port;
  options.trust_domain = config->trust_domain;
  options.max_connections = config->max_connections;
  options.max_body_bytes = config->max_body_bytes;
  options.header_timeout = config->header_timeout;
  spiffe::workloadapi::X509Source* src = source.get();
  auto server = TlsServer::Start(
      options, [src] { return src->Context(); },
      [service](const HttpRequest& r) { return service->Handle(r); }, log);
  if (!server.ok()) {
    DSTART_LOG_ERROR(log, std::string(server.status().message()));
    return 1;
  }
  DSTART_LOG_INFO(log, "spiffe token provider starts listening and serves...",
                  {{"address", fmt::format("{}:{}", options.address, (*server)->port())}});

  std::unique_ptr<TlsServer> health;
  if (config->health_port != 0) {
    TlsServerOptions h;
    h.tls = false;
    h.address = config->health_address;
    h.port = config->health_port;
    h.max_connections = 16;
    h.max_body_bytes = 0;
    h.header_timeout = config->header_timeout;
    auto started = TlsServer::Start(
        h, [] { return std::shared_ptr<const spiffe::workloadapi::X509Context>(); },
        [log](const HttpRequest& r) {
          HttpResponse out;
          if (r.path != "/api/v3/ping") {
            out.status = 404;
            out.body = R"({"apiVersion":"v3","statusCode":404,"message":"only /api/v3/ping here"})";
          } else if (r.method != "GET") {
            out.status = 405;
            out.body = R"({"apiVersion":"v3","statusCode":405,"message":"only allow GET method"})";
          } else {
            DSTART_LOG_DEBUG(log, "Health check request received");
            out.content_type = "text/plain";
            out.body = "pong";
          }
          return out;
        },
        log);
    if (!started.ok()) {
      DSTART_LOG_ERROR(log,
                       fmt::format("health listener: {}", std::string(started.status().message())));
      return 1;
    }
    health = std::move(*started);
    DSTART_LOG_INFO(log, "plain HTTP health check listening",
                    {{"address", fmt::format("{}:{}", h.address, health->port())}});
  }

  int sig = 0;
  sigwait(&stop, &sig);
  DSTART_LOG_INFO(log, fmt::format("received signal {}, shutting down", sig));
  if (health) health->Stop();
  (*server)->Stop();
  source->Close();
  return 0;
}

}  // namespace dstart::tokenprovider
