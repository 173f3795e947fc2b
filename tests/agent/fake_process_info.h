// A process table for attestor tests: processes are described, not forked.
#ifndef DSTART_TESTS_AGENT_FAKE_PROCESS_INFO_H_
#define DSTART_TESTS_AGENT_FAKE_PROCESS_INFO_H_

#include <fcntl.h>

#include <map>
#include <string>

#include "absl/status/status.h"
#include "agent/workloadattestor/process_info.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {

struct FakeProcess {
  std::string status_text;  // /proc/<pid>/status
  std::string exe_path;     // readlink target
  std::string exe_file;     // the real file OpenExe opens (defaults to exe_path)
  std::string cgroup_text;
};

class FakeProcessInfo final : public ProcessInfo {
 public:
  std::map<int, FakeProcess> processes;
  std::map<uint32_t, std::string> users;
  std::map<uint32_t, std::string> groups;

  absl::StatusOr<ProcessStatus> Status(int pid) const override {
    auto* p = Find(pid);
    if (!p) return absl::NotFoundError(fmt::format("no process {}", pid));
    return ParseProcStatus(p->status_text);
  }
  absl::StatusOr<std::string> ExePath(int pid) const override {
    auto* p = Find(pid);
    if (!p) return absl::NotFoundError(fmt::format("no process {}", pid));
    return p->exe_path;
  }
  absl::StatusOr<ScopedFd> OpenExe(int pid) const override {
    auto* p = Find(pid);
    if (!p) return absl::NotFoundError(fmt::format("no process {}", pid));
    const std::string& file = p->exe_file.empty() ? p->exe_path : p->exe_file;
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return absl::NotFoundError("cannot open " + file);
    return ScopedFd(fd);
  }
  absl::StatusOr<std::string> Cgroup(int pid) const override {
    auto* p = Find(pid);
    if (!p) return absl::NotFoundError(fmt::format("no process {}", pid));
    return p->cgroup_text;
  }
  std::optional<std::string> UserName(uint32_t uid) const override {
    auto it = users.find(uid);
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> GroupName(uint32_t gid) const override {
    auto it = groups.find(gid);
    if (it == groups.end()) return std::nullopt;
    return it->second;
  }

 private:
  const FakeProcess* Find(int pid) const {
    auto it = processes.find(pid);
    return it == processes.end() ? nullptr : &it->second;
  }
};

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_TESTS_AGENT_FAKE_PROCESS_INFO_H_
