// Test support: run real processes, pick free loopback ports, own temporary directories.
// Everything here cleans up in its destructor, so a failing test leaves nothing behind.
#ifndef DSTART_TESTS_SUPPORT_PROCESS_H_
#define DSTART_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace dstart::testing {

struct CommandResult {
  int exit_code = -1;  // 128+N when killed by signal N.
  std::string out;
  std::string err;
};

// Runs argv to completion (killed after `timeout`), capturing stdout and stderr. `env` entries
// ("K=V") are added to the inherited environment. `input` is written to its standard input.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         const std::string& input = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The path of the dstart binary under test.
std::string DstartBinary();
// The source tree's root.
std::string SourceDir();

// A child process that lives as long as this object: the destructor sends SIGTERM, waits up to
// two seconds, then SIGKILLs. Output goes to files in `log_dir` (name.out, name.err).
class Process {
 public:
  Process(std::string name, std::vector<std::string> argv, std::filesystem::path log_dir,
          std::vector<std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running();
  // Sends `sig` and waits for the exit; returns the exit code as CommandResult does.
  int Stop(int sig = 15, std::chrono::milliseconds grace = std::chrono::seconds(2));
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::string name_;
  std::filesystem::path log_dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// A fresh directory under $TMPDIR, removed recursively by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free when asked (bound, then released).
int FreeTcpPort();

// Polls `ready` every 10 ms until it returns true or `timeout` passes.
bool WaitFor(const std::function<bool()>& ready,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Writes `content` to `path` (creating parent directories), mode 0600.
void WriteFile(const std::filesystem::path& path, const std::string& content);
std::string ReadFile(const std::filesystem::path& path);

}  // namespace dstart::testing

#endif  // DSTART_TESTS_SUPPORT_PROCESS_H_
