#include "server/run.h"

#include <signal.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "common/file.h"
#include "common/log.h"
#include "fmt/format.h"
#include "server/api/admin_server.h"
#include "server/ca/ca.h"
#include "server/cli/flags.h"
#include "server/config.h"
#include "server/datastore/datastore.h"

namespace dstart::server {
namespace {

using common::LogLevel;

// "file:/x.db?_foreign_keys=ON" and "/x.db" both name /x.db.
std::string SqlitePath(const ServerConfig& c) {
  std::string s = c.connection_string;
  if (s.empty()) return (std::filesystem::path(c.data_dir) / "datastore.sqlite3").string();
  if (s.rfind("file:", 0) == 0) s = s.substr(5);
  if (size_t q = s.find('?'); q != std::string::npos) s = s.substr(0, q);
  return s;
}

int Fatal(const std::string& msg) {
  std::fprintf(stderr, "Error: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int Run(const std::vector<std::string>& args) {
  cli::FlagSet flags;
  std::string config_path = "conf/server/server.conf";
  std::string bind_address, data_dir, socket_path, trust_domain, log_file, log_format, log_level;
  int64_t server_port = 0;
  bool log_source = false, expand_env = false;
  flags.String("config", &config_path, "Path to a SPIRE config file");
  flags.String("bindAddress", &bind_address, "IP address or DNS name of the SPIRE server");
  flags.Int("serverPort", &server_port, "Port number of the SPIRE server");
  flags.String("dataDir", &data_dir, "Directory to store runtime data to");
  flags.String("socketPath", &socket_path, "Path to bind the SPIRE Server API socket to");
  flags.String("trustDomain", &trust_domain, "The trust domain that this server belongs to");
  flags.String("logFile", &log_file, "File to write logs to");
  flags.String("logFormat", &log_format, "'text' or 'json'");
  flags.String("logLevel", &log_level, "'debug', 'info', 'warn', or 'error'");
  flags.Bool("logSourceLocation", &log_source, "Include source file, line number and function name in log lines");
  flags.Bool("expandEnv", &expand_env, "Expand environment variables in SPIRE config file");
  auto rest = flags.Parse(args);
  if (!rest.ok()) {
    if (absl::IsNotFound(rest.status())) {
      std::fprintf(stderr, "Usage of run:\n%s", flags.Usage().c_str());
      return 0;
    }
    std::fprintf(stderr, "%s\nUsage of run:\n%s", std::string(rest.status().message()).c_str(),
                 flags.Usage().c_str());
    return 1;
  }

  auto loaded = LoadServerConfig(config_path);
  if (!loaded.ok()) return Fatal(std::string(loaded.status().message()));
  ServerConfig c = *loaded;
  // Flags override the file (spec §2.6).
  if (flags.IsSet("bindAddress")) c.bind_address = bind_address;
  if (flags.IsSet("serverPort")) c.bind_port = static_cast<int>(server_port);
  if (flags.IsSet("dataDir")) c.data_dir = data_dir;
  if (flags.IsSet("socketPath")) c.socket_path = socket_path;
  if (flags.IsSet("trustDomain")) c.trust_domain = trust_domain;
  if (flags.IsSet("logFile")) c.log_file = log_file;
  if (flags.IsSet("logFormat")) c.log_format = log_format;
  if (flags.IsSet("logLevel")) c.log_level = log_level;
  if (absl::Status st = ValidateServerConfig(c); !st.ok()) return Fatal(std::string(st.message()));

  common::Logger::Options lo;
  lo.app = "spire-server";
  lo.format = c.log_format == "json" ? common::LogFormat::kJson : common::LogFormat::kLogrus;
  if (c.log_format != "json" && c.log_format != "text") {
    return Fatal(fmt::format("log_format \"{}\": must be text or json", c.log_format));
  }
  auto level = common::ParseLogLevel(c.log_level);
  if (!level.ok()) return Fatal(fmt::format("log_level: {}", std::string(level.status().message())));
  lo.level = *level;
  if (!c.log_file.empty()) {
    auto sink = common::FileSink(c.log_file);
    if (!sink.ok()) return Fatal(fmt::format("log_file: {}", std::string(sink.status().message())));
    lo.sink = *sink;
  }
  common::Logger logger(lo);

  if (absl::Status st = common::EnsureDir(c.data_dir, 0700); !st.ok()) {
    return Fatal(fmt::format("data_dir: {}", std::string(st.message())));
  }
  std::string socket_dir = std::filesystem::path(c.socket_path).parent_path().string();
  if (!socket_dir.empty()) {
    if (absl::Status st = common::EnsureDir(socket_dir, 0700); !st.ok()) {
      return Fatal(fmt::format("socket_path: {}", std::string(st.message())));
    }
  }

  // Signals are waited for synchronously: block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto ds = datastore::OpenSqlite(SqlitePath(c));
  if (!ds.ok()) return Fatal(std::string(ds.status().message()));
  DSTART_LOG_INFO(logger, "Opened datastore",
                  {{"database_type", c.database_type}, {"path", SqlitePath(c)},
                   {"schema_version", datastore::SqliteSchemaVersion()}});

  ca::CaOptions co;
  co.trust_domain = c.trust_domain;
  co.ca_key_type = c.ca_key_type;
  co.jwt_key_type = c.jwt_key_type;
  co.ca_ttl = c.ca_ttl;
  co.default_x509_svid_ttl = c.default_x509_svid_ttl;
  co.default_jwt_svid_ttl = c.default_jwt_svid_ttl;
  co.subject_country = c.ca_subject_country;
  co.subject_organization = c.ca_subject_organization;
  co.subject_common_name = c.ca_subject_common_name;
  co.jwt_issuer = c.jwt_issuer;
  if (c.key_manager == "disk") co.keys_path = c.keys_path;
  co.upstream_cert_file = c.upstream_cert_file;
  co.upstream_key_file = c.upstream_key_file;
  co.upstream_bundle_file = c.upstream_bundle_file;
  co.datastore = ds->get();
  co.logger = &logger;
  auto authority = ca::Ca::Start(co);
  if (!authority.ok()) return Fatal(std::string(authority.status().message()));
  if (c.default_x509_svid_ttl > c.ca_ttl / 6) {
    DSTART_LOG_WARN(logger, "default_x509_svid_ttl is longer than a sixth of ca_ttl: SVIDs will be capped at the CA's expiry",
                    {{"default_x509_svid_ttl", c.default_x509_svid_ttl}, {"ca_ttl", c.ca_ttl}});
  }

  api::AdminServerOptions ao;
  ao.ca = authority->get();
  ao.socket_path = c.socket_path;
  ao.trust_domain = c.trust_domain;
  ao.datastore = ds->get();
  ao.logger = &logger;
  ao.audit_log = c.audit_log_enabled;
  auto admin = api::AdminServer::Start(ao);
  if (!admin.ok()) return Fatal(std::string(admin.status().message()));
  DSTART_LOG_INFO(logger, "Starting Server APIs", {{"address", c.socket_path}, {"network", "unix"}});

  // Every 10 s: CA rotation (spec §6.2); every 5 minutes: prune expired entries and join
  // tokens (spec §1.1).
  int64_t last_prune = static_cast<int64_t>(std::time(nullptr));
  for (;;) {
    timespec wait{10, 0};
    int sig = sigtimedwait(&sigs, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (absl::Status st = (*authority)->Rotate(); !st.ok()) {
      DSTART_LOG_ERROR(logger, "CA rotation failed", {{"error", std::string(st.message())}});
    }
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (now - last_prune < 300) continue;
    last_prune = now;
    if (auto n = (*ds)->PruneEntries(now); n.ok() && *n > 0) {
      DSTART_LOG_INFO(logger, "Pruned expired registration entries", {{"count", *n}});
    }
    (void)(*ds)->PruneJoinTokens(now);
  }
  DSTART_LOG_INFO(logger, "Stopping server");
  (*admin)->Shutdown();
  return 0;
}

}  // namespace dstart::server
