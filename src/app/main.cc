// dstart: one binary, one subcommand per component. Invoked through a link named spire-server or
// spire-agent it behaves as `dstart server` / `dstart agent`, so EdgeX's scripts run unchanged.
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "secretstore/command.h"
#include "server/command.h"
#include "tokenprovider/command.h"

#ifndef DSTART_VERSION
#define DSTART_VERSION "0.0.0"
#endif

namespace {

// A subcommand receives its own arguments: argv[0] is the subcommand's name.
using CommandFn = int (*)(std::span<char*> args);

struct Command {
  std::string_view name;
  std::string_view summary;
  CommandFn run;  // nullptr: the component is not part of this build yet.
};

int RunVersion(std::span<char*>) {
  std::printf("dstart %s\n", DSTART_VERSION);
  return 0;
}

int RunUp(std::span<char*> args);

// The components `dstart up` starts, in start order. A component joins the table when it lands.
constexpr Command kCommands[] = {
    {"secretstore", "the secret store (OpenBao HTTP API subset)", dstart::secretstore::RunSecretstore},
    {"server", "SPIFFE server: CA, registration entries, node attestation (spire-server)",
     dstart::server::RunServer},
    {"agent", "SPIFFE agent: workload attestation, Workload API (spire-agent)", nullptr},
    {"token-provider", "exchanges an X.509-SVID for a secret-store token over mutual TLS",
     dstart::tokenprovider::RunTokenProvider},
    {"up", "start the stack: dstart up delayed-start", RunUp},
    {"version", "print the version", RunVersion},
};

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void PrintHelp(std::FILE* out) {
  std::fprintf(out,
               "Usage: dstart <command> [arguments]\n\n"
               "EdgeX delayed-start security stack: SPIFFE server and agent, token provider,\n"
               "secret store, in one binary.\n\nCommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-16s %s%s\n", std::string(c.name).c_str(), std::string(c.summary).c_str(),
                 c.run ? "" : " [not in this build yet]");
  }
  std::fprintf(out,
               "\nInvoked as spire-server or spire-agent, dstart acts as `dstart server` or\n"
               "`dstart agent`. Run `dstart <command> --help` for a command's flags.\n");
}

int RunUp(std::span<char*> args) {
  std::string_view goal = args.size() > 1 ? args[1] : "";
  if (goal != "delayed-start") {
    std::fprintf(stderr, "dstart up: unknown goal \"%s\"; the supported goal is: delayed-start\n",
                 std::string(goal).c_str());
    return 2;
  }
  std::vector<std::string_view> missing;
  for (const Command& c : kCommands) {
    if (c.run == nullptr) missing.push_back(c.name);
  }
  if (!missing.empty()) {
    std::fprintf(stderr, "dstart up delayed-start: cannot start the stack; not in this build yet:\n");
    for (std::string_view m : missing) {
      const Command* c = FindCommand(m);
      std::fprintf(stderr, "  - %s (%s)\n", std::string(m).c_str(), std::string(c->summary).c_str());
    }
    std::fprintf(stderr, "  - orchestration (PKI bootstrap, secret-store init, entry seeding, supervision)\n");
    return 1;
  }
  std::fprintf(stderr, "dstart up delayed-start: orchestration is not in this build yet\n");
  return 1;
}

int Dispatch(std::string_view name, std::span<char*> args) {
  const Command* c = FindCommand(name);
  if (c == nullptr) {
    std::fprintf(stderr, "dstart: unknown command \"%s\"\n\n", std::string(name).c_str());
    PrintHelp(stderr);
    return 2;
  }
  if (c->run == nullptr) {
    std::fprintf(stderr, "dstart %s: this component is not in this build yet\n",
                 std::string(name).c_str());
    return 2;
  }
  return c->run(args);
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv, static_cast<size_t>(argc));
  std::string_view self = argc > 0 ? argv[0] : "dstart";
  if (size_t slash = self.rfind('/'); slash != std::string_view::npos) self.remove_prefix(slash + 1);

  if (self == "spire-server") return Dispatch("server", args);
  if (self == "spire-agent") return Dispatch("agent", args);

  if (args.size() < 2) {
    PrintHelp(stderr);
    return 2;
  }
  std::string_view cmd = args[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    PrintHelp(stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-version") return RunVersion(args.subspan(1));
  return Dispatch(cmd, args.subspan(1));
}
