// The spire-server CLI commands. Each receives the arguments after its name and returns the
// process exit code; output goes to stdout/stderr exactly as spire-server prints it
// (spec/spire.md §2).
#ifndef DSTART_SERVER_CLI_COMMANDS_H_
#define DSTART_SERVER_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace dstart::server::cli {

using Args = std::vector<std::string>;

int EntryCreate(const Args& args);
int EntryUpdate(const Args& args);
int EntryDelete(const Args& args);
int EntryShow(const Args& args);
int EntryCount(const Args& args);
int BundleShow(const Args& args);
int AgentList(const Args& args);
int AgentShow(const Args& args);
int AgentEvict(const Args& args);
int AgentBan(const Args& args);
int AgentCount(const Args& args);
int Healthcheck(const Args& args);
int TokenGenerate(const Args& args);
int X509Mint(const Args& args);
int JwtMint(const Args& args);

}  // namespace dstart::server::cli

#endif  // DSTART_SERVER_CLI_COMMANDS_H_
