// The seam through which workload attestors read a process (spec/spire.md §4.2, §4.3): its
// /proc/<pid>/status ids, its executable and its cgroups. RealProcessInfo reads /proc; tests hand
// the attestors a fake process table instead of forking one process per case.
#ifndef DSTART_AGENT_WORKLOADATTESTOR_PROCESS_INFO_H_
#define DSTART_AGENT_WORKLOADATTESTOR_PROCESS_INFO_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::agent::workloadattestor {

// The identity lines of /proc/<pid>/status.
struct ProcessStatus {
  std::string name;             // Name:
  std::vector<uint32_t> uids;   // Uid: real, effective, saved, filesystem
  std::vector<uint32_t> gids;   // Gid: real, effective, saved, filesystem
  std::vector<uint32_t> groups; // Groups: supplementary group ids (may be empty)

  // The effective id: the second value, or the only one when the line has one (SPIRE §4.2).
  uint32_t EffectiveUid() const { return uids.size() > 1 ? uids[1] : uids.front(); }
  uint32_t EffectiveGid() const { return gids.size() > 1 ? gids[1] : gids.front(); }
};

// Parses the text of /proc/<pid>/status. Uid: and Gid: are required (1 to 4 decimal ids each);
// Groups: is optional. Errors name the line and what was wrong with it.
absl::StatusOr<ProcessStatus> ParseProcStatus(std::string_view text);

// Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat, found after the last ')' so
// that a command name holding spaces or parentheses cannot shift the fields.
absl::StatusOr<uint64_t> ParseProcStatStartTime(std::string_view text);

// Which file a path is: what the unix attestor keys its hash cache on.
struct FileIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
  friend auto operator<=>(const FileIdentity&, const FileIdentity&) = default;
};

// An open file descriptor, closed by the destructor.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fd_(o.release()) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// Thread-safety: every method may be called concurrently. Errors for a process that does not
// exist are NotFound; for one the agent may not inspect, PermissionDenied. Messages name the pid.
class ProcessInfo {
 public:
  virtual ~ProcessInfo() = default;
  virtual absl::StatusOr<ProcessStatus> Status(int pid) const = 0;
  // The target of /proc/<pid>/exe: the path as seen in the workload's mount namespace.
  virtual absl::StatusOr<std::string> ExePath(int pid) const = 0;
  // The executable opened for reading through /proc/<pid>/exe (works across mount namespaces).
  virtual absl::StatusOr<ScopedFd> OpenExe(int pid) const = 0;
  // The text of /proc/<pid>/cgroup.
  virtual absl::StatusOr<std::string> Cgroup(int pid) const = 0;
  // The names of ids in the agent's own passwd and group databases; nullopt when unknown.
  virtual std::optional<std::string> UserName(uint32_t uid) const = 0;
  virtual std::optional<std::string> GroupName(uint32_t gid) const = 0;
};

// Reads `proc_root` (default "/proc", or $HOST_PROC when set, as SPIRE's gopsutil does) and the
// agent's passwd/group databases (getpwuid_r/getgrgid_r).
class RealProcessInfo final : public ProcessInfo {
 public:
  RealProcessInfo();
  explicit RealProcessInfo(std::string proc_root);
  absl::StatusOr<ProcessStatus> Status(int pid) const override;
  absl::StatusOr<std::string> ExePath(int pid) const override;
  absl::StatusOr<ScopedFd> OpenExe(int pid) const override;
  absl::StatusOr<std::string> Cgroup(int pid) const override;
  std::optional<std::string> UserName(uint32_t uid) const override;
  std::optional<std::string> GroupName(uint32_t gid) const override;

 private:
  std::string proc_root_;
};

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_PROCESS_INFO_H_
