#include "server/command.h"

#include <cstdio>
#include <string>
#include <vector>

#include "server/cli/commands.h"
#include "server/run.h"

namespace dstart::server {
namespace {

struct Sub {
  const char* name;
  int (*fn)(const std::vector<std::string>&);
  const char* help;
};

const Sub kSubs[] = {
    {"run", Run, "Runs the server"},
    {"entry create", cli::EntryCreate, "Creates registration entries"},
    {"entry update", cli::EntryUpdate, "Updates registration entries"},
    {"entry delete", cli::EntryDelete, "Deletes registration entries"},
    {"entry show", cli::EntryShow, "Displays configured registration entries"},
    {"entry count", cli::EntryCount, "Count registration entries"},
    {"agent list", cli::AgentList, "Lists attested agents and their SPIFFE IDs"},
    {"agent show", cli::AgentShow, "Shows the details of an attested agent given its SPIFFE ID"},
    {"agent evict", cli::AgentEvict, "Evicts an attested agent given its SPIFFE ID"},
    {"agent ban", cli::AgentBan, "Ban an attested agent given its SPIFFE ID"},
    {"agent count", cli::AgentCount, "Count attested agents"},
    {"token generate", cli::TokenGenerate, "Generates a join token"},
    {"healthcheck", cli::Healthcheck, "Determines server health status"},
    {"bundle show", cli::BundleShow, "Prints server CA bundle to stdout"},
    {"x509 mint", cli::X509Mint, "Mints an X509-SVID"},
    {"jwt mint", cli::JwtMint, "Mints a JWT-SVID"},
};

void Usage(std::FILE* out) {
  std::fprintf(out, "Usage: spire-server [--version] [--help] <command> [<args>]\n\n"
                    "Available commands are:\n");
  for (const Sub& s : kSubs) std::fprintf(out, "    %-22s %s\n", s.name, s.help);
}

}  // namespace

int RunServer(std::span<char*> args) {
  std::vector<std::string> rest;
  for (size_t i = 1; i < args.size(); ++i) rest.emplace_back(args[i]);
  if (rest.empty() || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help") {
    Usage(rest.empty() ? stderr : stdout);
    return rest.empty() ? 1 : 0;
  }
  // Two-word commands ("entry show") first, then one-word ones ("run").
  for (size_t words : {2, 1}) {
    if (rest.size() < words) continue;
    std::string name = rest[0];
    if (words == 2) name += " " + rest[1];
    for (const Sub& s : kSubs) {
      if (name == s.name) {
        return s.fn(std::vector<std::string>(rest.begin() + static_cast<long>(words), rest.end()));
      }
    }
  }
  std::fprintf(stderr, "spire-server: unknown command \"%s\"\n\n", rest[0].c_str());
  Usage(stderr);
  return 127;
}

}  // namespace dstart::server
