#include "agent/cli/agent_cli.h"

#include <sys/stat.h>
#include <time.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "common/duration.h"
#include "common/encoding.h"
#include "fmt/format.h"
#include "spiffe/workloadapi/client.h"

namespace dstart::agent::cli {
namespace {

using spiffe::workloadapi::Client;
using spiffe::workloadapi::X509Context;

// --- Go-style flags ---------------------------------------------------------------------------

class FlagSet {
 public:
  explicit FlagSet(std::string command) : command_(std::move(command)) {}
  void String(const std::string& name, std::string def, std::string usage) {
    flags_[name] = {false, std::move(def), std::move(usage), false};
  }
  void Bool(const std::string& name, std::string usage) {
    flags_[name] = {true, "false", std::move(usage), false};
  }
  // Parses `args`; positional arguments are refused. The error names the flag.
  absl::Status Parse(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
      std::string a = args[i];
      if (a.size() < 2 || a[0] != '-') {
        return absl::InvalidArgumentError(fmt::format("unexpected argument \"{}\"", a));
      }
      a = a.substr(a[1] == '-' ? 2 : 1);
      std::optional<std::string> value;
      if (size_t eq = a.find('='); eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
      }
      auto it = flags_.find(a);
      if (it == flags_.end()) {
        return absl::InvalidArgumentError(fmt::format("flag provided but not defined: -{}", a));
      }
      Flag& f = it->second;
      if (f.is_bool) {
        std::string v = value.value_or("true");
        if (v != "true" && v != "false" && v != "1" && v != "0") {
          return absl::InvalidArgumentError(
              fmt::format("invalid boolean value \"{}\" for -{}", v, a));
        }
        f.value = (v == "true" || v == "1") ? "true" : "false";
      } else {
        if (!value) {
          if (i + 1 >= args.size()) {
            return absl::InvalidArgumentError(fmt::format("flag needs an argument: -{}", a));
          }
          value = args[++i];
        }
        f.value = *value;
      }
      f.set = true;
    }
    return absl::OkStatus();
  }
  const std::string& Get(const std::string& name) const { return flags_.at(name).value; }
  bool IsSet(const std::string& name) const { return flags_.at(name).set; }
  bool GetBool(const std::string& name) const { return Get(name) == "true"; }
  std::string Usage() const {
    std::string out = fmt::format("Usage of {}:\n", command_);
    for (const auto& [name, f] : flags_) {
      out += fmt::format("  -{} {}\n    \t{}", name, f.is_bool ? "" : "string", f.usage);
      if (!f.is_bool && !f.value.empty() && !f.set) out += fmt::format(" (default \"{}\")", f.value);
      out += "\n";
    }
    return out;
  }

 private:
  struct Flag {
    bool is_bool;
    std::string value;
    std::string usage;
    bool set;
  };
  std::string command_;
  std::map<std::string, Flag> flags_;
};

// --- Formatting as Go prints ------------------------------------------------------------------

std::string GoCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "OK";
    case absl::StatusCode::kCancelled: return "Canceled";
    case absl::StatusCode::kUnknown: return "Unknown";
    case absl::StatusCode::kInvalidArgument: return "InvalidArgument";
    case absl::StatusCode::kDeadlineExceeded: return "DeadlineExceeded";
    case absl::StatusCode::kNotFound: return "NotFound";
    case absl::StatusCode::kAlreadyExists: return "AlreadyExists";
    case absl::StatusCode::kPermissionDenied: return "PermissionDenied";
    case absl::StatusCode::kResourceExhausted: return "ResourceExhausted";
    case absl::StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case absl::StatusCode::kAborted: return "Aborted";
    case absl::StatusCode::kOutOfRange: return "OutOfRange";
    case absl::StatusCode::kUnimplemented: return "Unimplemented";
    case absl::StatusCode::kInternal: return "Internal";
    case absl::StatusCode::kUnavailable: return "Unavailable";
    case absl::StatusCode::kDataLoss: return "DataLoss";
    case absl::StatusCode::kUnauthenticated: return "Unauthenticated";
    default: return fmt::format("Code({})", static_cast<int>(code));
  }
}

std::string RpcError(const absl::Status& s) {
  return fmt::format("rpc error: code = {} desc = {}", GoCodeName(s.code()),
                     std::string(s.message()));
}

// Go's time.Time.String() for a UTC time: "2023-04-04 21:51:58 +0000 UTC".
std::string GoTime(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

// --- Commands ---------------------------------------------------------------------------------

void AddSocketFlags(FlagSet& flags) {
  flags.String("socketPath", kDefaultPublicSocket, "Path to the SPIRE Agent API Unix domain socket");
  flags.String("instance", "", "Instance name to substitute into socket templates");
}

void AddTimeoutFlag(FlagSet& flags) {
  flags.String("timeout", "5s", "Time to wait for a response");
}

// -socketPath when given, else $SPIFFE_ENDPOINT_SOCKET, else the default socket.
std::string Address(const FlagSet& flags) {
  if (!flags.IsSet("socketPath")) {
    if (const char* env = std::getenv("SPIFFE_ENDPOINT_SOCKET"); env && *env) return env;
  }
  std::string path = flags.Get("socketPath");
  if (path.rfind("unix:", 0) == 0 || path.rfind("tcp:", 0) == 0) return path;
  return "unix://" + std::filesystem::absolute(path).string();
}

absl::StatusOr<std::chrono::milliseconds> Timeout(const FlagSet& flags) {
  auto d = common::ParseDuration(flags.Get("timeout"));
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid value \"{}\" for -timeout: {}", flags.Get("timeout"),
                    std::string(d.status().message())));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

void PrintX509Context(const X509Context& ctx, std::chrono::nanoseconds took, std::ostream& out) {
  out << fmt::format("Received {} svid{} after {}\n\n", ctx.svids.size(),
                     ctx.svids.size() == 1 ? "" : "s", common::FormatDuration(took));
  for (size_t i = 0; i < ctx.svids.size(); ++i) {
    const auto& svid = ctx.svids[i];
    out << "SPIFFE ID:\t\t" << svid.id().String() << "\n";
    if (!ctx.hints[i].empty()) out << "Hint:\t\t\t" << ctx.hints[i] << "\n";
    out << "SVID Valid After:\t" << GoTime(svid.leaf().NotBefore()) << "\n";
    out << "SVID Valid Until:\t" << GoTime(svid.leaf().NotAfter()) << "\n";
    const auto& chain = svid.certificates();
    for (size_t j = 1; j < chain.size(); ++j) {
      out << fmt::format("Intermediate #{} Valid After:\t{}\n", j, GoTime(chain[j].NotBefore()));
      out << fmt::format("Intermediate #{} Valid Until:\t{}\n", j, GoTime(chain[j].NotAfter()));
    }
    const spiffe::Bundle* own = ctx.bundles.Find(svid.id().GetTrustDomain());
    if (own) {
      for (size_t j = 0; j < own->x509_authorities().size(); ++j) {
        const auto& ca = own->x509_authorities()[j];
        out << fmt::format("CA #{} Valid After:\t{}\n", j + 1, GoTime(ca.NotBefore()));
        out << fmt::format("CA #{} Valid Until:\t{}\n", j + 1, GoTime(ca.NotAfter()));
      }
    }
    for (const auto& [td, bundle] : ctx.bundles.bundles()) {
      if (td == svid.id().GetTrustDomain()) continue;
      for (size_t j = 0; j < bundle.x509_authorities().size(); ++j) {
        const auto& ca = bundle.x509_authorities()[j];
        out << fmt::format("[{}] CA #{} Valid After:\t{}\n", td.IdString(), j + 1,
                           GoTime(ca.NotBefore()));
        out << fmt::format("[{}] CA #{} Valid Until:\t{}\n", td.IdString(), j + 1,
                           GoTime(ca.NotAfter()));
      }
    }
    out << "\n";
  }
}

std::string Base64(const std::vector<uint8_t>& der) { return common::Base64Encode(der); }

// protojson of the X509SVIDResponse as spire-agent's -output json prints it (keys sorted).
std::string X509ContextJson(const X509Context& ctx) {
  nlohmann::json svids = nlohmann::json::array();
  std::set<spiffe::TrustDomain> own;
  for (size_t i = 0; i < ctx.svids.size(); ++i) {
    const auto& s = ctx.svids[i];
    own.insert(s.id().GetTrustDomain());
    const spiffe::Bundle* b = ctx.bundles.Find(s.id().GetTrustDomain());
    svids.push_back({{"bundle", b ? Base64(b->ToX509Der()) : ""},
                     {"hint", ctx.hints[i]},
                     {"spiffe_id", s.id().String()},
                     {"x509_svid", Base64(s.CertificatesDer())},
                     {"x509_svid_key", Base64(s.KeyPkcs8Der())}});
  }
  nlohmann::json federated = nlohmann::json::object();
  for (const auto& [td, bundle] : ctx.bundles.bundles()) {
    if (!own.count(td)) federated[td.IdString()] = Base64(bundle.ToX509Der());
  }
  nlohmann::json doc = {{"crl", nlohmann::json::array()},
                        {"federated_bundles", federated},
                        {"svids", svids}};
  return doc.dump();
}

absl::Status WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return absl::InternalError(fmt::format("cannot write {}", path));
  f << data;
  f.close();
  if (!f) return absl::InternalError(fmt::format("cannot write {}", path));
  if (::chmod(path.c_str(), mode) != 0) {
    return absl::InternalError(fmt::format("cannot chmod {}", path));
  }
  return absl::OkStatus();
}

absl::Status WriteX509Context(const X509Context& ctx, const std::string& dir, std::ostream& out) {
  for (size_t i = 0; i < ctx.svids.size(); ++i) {
    const auto& svid = ctx.svids[i];
    std::string svid_path = (std::filesystem::path(dir) / fmt::format("svid.{}.pem", i)).string();
    std::string key_path = (std::filesystem::path(dir) / fmt::format("svid.{}.key", i)).string();
    std::string bundle_path =
        (std::filesystem::path(dir) / fmt::format("bundle.{}.pem", i)).string();
    out << fmt::format("Writing SVID #{} to file {}.\n", i, svid_path);
    if (auto s = WriteFile(svid_path, svid.CertificatesPem(), 0644); !s.ok()) return s;
    out << fmt::format("Writing key #{} to file {}.\n", i, key_path);
    if (auto s = WriteFile(key_path, svid.KeyPkcs8Pem(), 0600); !s.ok()) return s;
    const spiffe::Bundle* own = ctx.bundles.Find(svid.id().GetTrustDomain());
    out << fmt::format("Writing bundle #{} to file {}.\n", i, bundle_path);
    if (auto s = WriteFile(bundle_path, own ? own->ToX509Pem() : "", 0644); !s.ok()) return s;
    size_t j = 0;
    for (const auto& [td, bundle] : ctx.bundles.bundles()) {  // Sorted by trust domain.
      if (td == svid.id().GetTrustDomain()) continue;
      std::string path =
          (std::filesystem::path(dir) / fmt::format("federated_bundle.{}.{}.pem", i, j)).string();
      out << fmt::format("Writing federated bundle #{} for trust domain {} to file {}.\n", j,
                         td.IdString(), path);
      if (auto s = WriteFile(path, bundle.ToX509Pem(), 0644); !s.ok()) return s;
      ++j;
    }
  }
  return absl::OkStatus();
}

int Fail(std::ostream& err, const std::string& msg) {
  err << msg << "\n";
  return 1;
}

int FetchX509(const std::vector<std::string>& args, CliIo io) {
  FlagSet flags("fetch x509");
  AddSocketFlags(flags);
  AddTimeoutFlag(flags);
  flags.Bool("silent", "Suppress stdout");
  flags.String("write", "", "Write SVID data to the specified path (optional; only available for pretty output format)");
  flags.String("output", "pretty", "Desired output format (pretty, json)");
  if (auto s = flags.Parse(args); !s.ok()) return Fail(io.err, std::string(s.message()) + "\n" + flags.Usage());
  std::string output = flags.Get("output");
  if (output == "prettyprint") output = "pretty";
  if (output != "pretty" && output != "json") {
    return Fail(io.err, fmt::format("Error: invalid output format \"{}\" (pretty or json)", output));
  }
  auto timeout = Timeout(flags);
  if (!timeout.ok()) return Fail(io.err, std::string(timeout.status().message()));
  auto client = Client::Create({.address = Address(flags)});
  if (!client.ok()) return Fail(io.err, std::string(client.status().message()));
  auto start = std::chrono::steady_clock::now();
  auto ctx = (*client)->FetchX509Context(*timeout);
  auto took = std::chrono::steady_clock::now() - start;
  if (!ctx.ok()) return Fail(io.err, RpcError(ctx.status()));
  // Each SVID chain must verify against its own bundle, as spire-agent checks.
  for (const auto& svid : ctx->svids) {
    if (auto s = svid.Verify(ctx->bundles, std::chrono::system_clock::now()); !s.ok()) {
      return Fail(io.err, fmt::format("Error: SVID {} does not verify: {}", svid.id().String(),
                                      std::string(s.message())));
    }
  }
  if (output == "json") {
    io.out << X509ContextJson(*ctx) << "\n";
    return 0;
  }
  if (!flags.GetBool("silent")) PrintX509Context(*ctx, took, io.out);
  if (!flags.Get("write").empty()) {
    if (auto s = WriteX509Context(*ctx, flags.Get("write"), io.out); !s.ok()) {
      return Fail(io.err, std::string(s.message()));
    }
  }
  return 0;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int FetchJwt(const std::vector<std::string>& args, CliIo io) {
  FlagSet flags("fetch jwt");
  AddSocketFlags(flags);
  AddTimeoutFlag(flags);
  flags.String("audience", "", "comma separated list of audience values");
  flags.String("spiffeID", "", "SPIFFE ID subject (optional)");
  flags.String("output", "pretty", "Desired output format (pretty, json)");
  flags.String("format", "", "deprecated; use -output");
  if (auto s = flags.Parse(args); !s.ok()) return Fail(io.err, std::string(s.message()) + "\n" + flags.Usage());
  std::vector<std::string> audience = SplitComma(flags.Get("audience"));
  if (audience.empty()) return Fail(io.err, "audience must be specified");
  std::string output = flags.IsSet("format") ? flags.Get("format") : flags.Get("output");
  auto timeout = Timeout(flags);
  if (!timeout.ok()) return Fail(io.err, std::string(timeout.status().message()));
  auto client = Client::Create({.address = Address(flags)});
  if (!client.ok()) return Fail(io.err, std::string(client.status().message()));
  auto bundles = (*client)->FetchJwtBundles(*timeout);
  if (!bundles.ok()) return Fail(io.err, RpcError(bundles.status()));
  auto svids = (*client)->FetchJwtSvids(audience, flags.Get("spiffeID"), *timeout);
  if (!svids.ok()) return Fail(io.err, RpcError(svids.status()));
  if (output == "json") {
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& s : *svids) {
      tokens.push_back({{"hint", ""}, {"spiffe_id", s.id.String()}, {"svid", s.token}});
    }
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [td, bundle] : bundles->bundles()) {
      b[td.IdString()] = common::Base64Encode(common::AsBytes(bundle.ToJwks()));
    }
    io.out << nlohmann::json::array({{{"svids", tokens}}, {{"bundles", b}}}).dump() << "\n";
    return 0;
  }
  for (const auto& s : *svids) {
    io.out << "token(" << s.id.String() << "):\n\t" << s.token << "\n";
  }
  for (const auto& [td, bundle] : bundles->bundles()) {
    io.out << "bundle(" << td.IdString() << "):\n\t" << bundle.ToJwks() << "\n";
  }
  return 0;
}

int ValidateJwt(const std::vector<std::string>& args, CliIo io) {
  FlagSet flags("validate jwt");
  AddSocketFlags(flags);
  AddTimeoutFlag(flags);
  flags.String("audience", "", "expected audience value");
  flags.String("svid", "", "JWT SVID");
  flags.String("output", "pretty", "Desired output format (pretty, json)");
  if (auto s = flags.Parse(args); !s.ok()) return Fail(io.err, std::string(s.message()) + "\n" + flags.Usage());
  if (flags.Get("audience").empty()) return Fail(io.err, "audience must be specified");
  if (flags.Get("svid").empty()) return Fail(io.err, "svid must be specified");
  auto timeout = Timeout(flags);
  if (!timeout.ok()) return Fail(io.err, std::string(timeout.status().message()));
  auto client = Client::Create({.address = Address(flags)});
  if (!client.ok()) return Fail(io.err, std::string(client.status().message()));
  auto valid = (*client)->ValidateJwtSvid(flags.Get("svid"), flags.Get("audience"), *timeout);
  if (!valid.ok()) return Fail(io.err, RpcError(valid.status()));
  io.out << "SVID is valid.\n";
  io.out << "SPIFFE ID : " << valid->id.String() << "\n";
  io.out << "Claims    : " << valid->claims_json << "\n";
  return 0;
}

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted = true; }

int Watch(const std::vector<std::string>& args, CliIo io) {
  FlagSet flags("watch");
  AddSocketFlags(flags);
  if (auto s = flags.Parse(args); !s.ok()) return Fail(io.err, std::string(s.message()) + "\n" + flags.Usage());
  auto client = Client::Create({.address = Address(flags)});
  if (!client.ok()) return Fail(io.err, std::string(client.status().message()));
  const std::atomic<bool>* stop = io.stop;
  if (stop == nullptr) {
    std::signal(SIGINT, OnInterrupt);
    std::signal(SIGTERM, OnInterrupt);
    stop = &g_interrupted;
  }
  spiffe::workloadapi::WatchCanceller canceller;
  std::thread stopper([&] {
    while (!*stop && !canceller.cancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    canceller.Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  absl::Status result = (*client)->WatchX509Context(
      [&](X509Context ctx) {
        PrintX509Context(ctx, std::chrono::steady_clock::now() - start, io.out);
        io.out.flush();
        start = std::chrono::steady_clock::now();
      },
      [&](const absl::Status& err) { io.err << RpcError(err) << "\n"; },
      canceller);
  canceller.Cancel();
  stopper.join();
  if (result.code() == absl::StatusCode::kCancelled) return 0;
  return 1;
}

int HealthCheck(const std::vector<std::string>& args, CliIo io) {
  FlagSet flags("healthcheck");
  AddSocketFlags(flags);
  flags.Bool("shallow", "Perform a less stringent health check");
  flags.Bool("verbose", "Print verbose information");
  if (auto s = flags.Parse(args); !s.ok()) return Fail(io.err, std::string(s.message()) + "\n" + flags.Usage());
  bool verbose = flags.GetBool("verbose");
  if (verbose) io.out << "Checking agent health...\n";
  auto client = Client::Create({.address = Address(flags)});
  if (client.ok()) {
    auto healthy = (*client)->CheckHealth(std::chrono::seconds(5));
    if (healthy.ok() && *healthy) {
      io.out << "Agent is healthy.\n";
      return 0;
    }
    if (verbose) {
      io.err << (healthy.ok() ? "Agent is not serving" : RpcError(healthy.status())) << "\n";
    }
  } else if (verbose) {
    io.err << client.status().message() << "\n";
  }
  io.err << "Agent is unhealthy: unable to determine health\n";
  return 1;
}

constexpr char kUsage[] =
    "Usage: spire-agent <command> [<args>]\n\n"
    "Available commands are:\n"
    "    api fetch x509     Fetches X509 SVIDs from the Workload API\n"
    "    api fetch jwt      Fetches a JWT SVID from the Workload API\n"
    "    api validate jwt   Validates a JWT SVID\n"
    "    api watch          Attaches to the Workload API and prints updates as they're received\n"
    "    healthcheck        Determines agent health status\n";

}  // namespace

int RunWorkloadApiCommand(const std::vector<std::string>& args, CliIo io) {
  auto rest = [&](size_t n) { return std::vector<std::string>(args.begin() + n, args.end()); };
  auto is = [&](size_t i, const char* word) { return args.size() > i && args[i] == word; };
  if (is(0, "api")) {
    if (is(1, "fetch") && is(2, "x509")) return FetchX509(rest(3), io);
    if (is(1, "fetch") && is(2, "jwt")) return FetchJwt(rest(3), io);
    if (is(1, "fetch") && (args.size() == 2 || args[2].rfind("-", 0) == 0)) {
      return FetchX509(rest(2), io);  // `api fetch` is `api fetch x509`.
    }
    if (is(1, "validate") && is(2, "jwt")) return ValidateJwt(rest(3), io);
    if (is(1, "watch")) return Watch(rest(2), io);
  }
  if (is(0, "healthcheck")) return HealthCheck(rest(1), io);
  io.err << kUsage;
  return args.empty() || is(0, "-h") || is(0, "--help") || is(0, "help") ? 0 : 127;
}

int RunAgentCli(std::span<char*> args) {
  std::vector<std::string> words;
  for (size_t i = 1; i < args.size(); ++i) words.emplace_back(args[i]);
  return RunWorkloadApiCommand(words, {std::cout, std::cerr});
}

}  // namespace dstart::agent::cli
