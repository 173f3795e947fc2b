#include "server/cli/common.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "fmt/format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/api/convert.h"

namespace dstart::server::cli {

void SocketFlags::Add(FlagSet& flags) {
  flags.String("socketPath", &socket_path, "Path to the SPIRE Server API socket");
  flags.String("instance", &instance, "The instance name, substituted for %i in the socket template");
}

std::string SocketFlags::Resolve(const FlagSet& flags) const {
  if (flags.IsSet("socketPath") && socket_path != kDefaultSocketPath) return socket_path;
  if (!instance.empty()) {
    if (const char* tmpl = std::getenv("SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE")) {
      std::string t = tmpl;
      for (size_t p; (p = t.find("%i")) != std::string::npos;) t.replace(p, 2, instance);
      return t;
    }
  }
  if (const char* env = std::getenv("SPIRE_SERVER_PRIVATE_SOCKET"); env && *env) return env;
  return socket_path;
}

std::shared_ptr<grpc::Channel> Dial(const std::string& socket_path) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel("unix:" + socket_path, grpc::InsecureChannelCredentials(), args);
}

std::string RpcError(const grpc::Status& status) {
  return fmt::format("rpc error: code = {} desc = {}", api::GrpcCodeName(status.error_code()),
                     status.error_message());
}

int Fail(const std::string& msg) {
  std::fprintf(stderr, "Error: %s\n", msg.c_str());
  return 1;
}

bool ParseFlags(FlagSet& flags, const std::string& usage_name,
                const std::vector<std::string>& args, int* exit_code) {
  auto rest = flags.Parse(args);
  if (rest.ok()) return true;
  if (absl::IsNotFound(rest.status())) {
    std::fprintf(stderr, "Usage of %s:\n%s", usage_name.c_str(), flags.Usage().c_str());
    *exit_code = 0;
    return false;
  }
  std::fprintf(stderr, "%s\nUsage of %s:\n%s", std::string(rest.status().message()).c_str(),
               usage_name.c_str(), flags.Usage().c_str());
  *exit_code = 1;
  return false;
}

std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string GoUtcTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
  return buf;
}

std::string GoLocalTime(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
  return buf;
}

}  // namespace dstart::server::cli
