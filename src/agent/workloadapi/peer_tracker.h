// Who is calling the Workload API (spec/spire.md §4.1, DESIGN.md "facts learned the hard way").
//
// The endpoint accepts connections on its Unix socket itself, asks the kernel for the peer's
// credentials (SO_PEERCRED: pid, uid, gid) and holds a pidfd for that process, then hands the
// socket to gRPC; ServerContext::peer() of every call on it reads "fd:<N>", which Lookup maps back.
//
// PID reuse and exec races: VerifyStillCaller, run after attestation, refuses the call when the
// process that connected has exited (its pidfd turns readable, so a new process that reuses the
// pid is never mistaken for it), when /proc/<pid>/stat's start time or /proc/<pid>'s owner differ
// from what was recorded at accept, or when the process has exec'd another binary since it
// connected (the executable's device and inode are recorded at accept).
#ifndef DSTART_AGENT_WORKLOADAPI_PEER_TRACKER_H_
#define DSTART_AGENT_WORKLOADAPI_PEER_TRACKER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/workloadattestor/process_info.h"

namespace dstart::agent::workloadapi {

// A connected caller as the kernel reported it at accept.
struct Caller {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  workloadattestor::ScopedFd pidfd;  // Invalid when pidfd_open is not available.
  uint64_t start_time = 0;          // /proc/<pid>/stat field 22
  std::optional<std::pair<dev_t, ino_t>> exe;  // stat("/proc/<pid>/exe"), when readable
};

// Thread-safety: all methods may be called concurrently.
class PeerTracker {
 public:
  // `proc_root` is where /proc is (tests may not change it for pidfds, which are kernel objects).
  explicit PeerTracker(std::string proc_root = "/proc");

  // Reads the credentials of the Unix socket `fd` just accepted and records them under "fd:<fd>"
  // (replacing what an earlier connection with the same fd number left). Fails when the kernel
  // does not report a peer or the peer process is already gone.
  absl::StatusOr<std::shared_ptr<const Caller>> Track(int fd);

  // The caller recorded for a gRPC peer string "fd:<N>". NotFound for anything else.
  absl::StatusOr<std::shared_ptr<const Caller>> Lookup(std::string_view peer) const;

  // OK when the process that connected is still alive and is still the same program (see the
  // top of this file). Unauthenticated "could not verify existence of the original caller: ..."
  // otherwise, naming which check failed.
  absl::Status VerifyStillCaller(const Caller& caller) const;

  // Reads the credentials of `fd`'s peer without recording them.
  absl::StatusOr<std::shared_ptr<Caller>> Inspect(int fd) const;

 private:
  std::string proc_root_;
  mutable std::mutex mu_;
  std::map<int, std::shared_ptr<const Caller>> by_fd_;
};

}  // namespace dstart::agent::workloadapi

#endif  // DSTART_AGENT_WORKLOADAPI_PEER_TRACKER_H_
