#include "agent/workloadapi/peer_tracker.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/file.h"
#include "fmt/format.h"

namespace dstart::agent::workloadapi {
namespace {

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  errno = ENOSYS;
  return -1;
#endif
}

absl::Status NotTheCaller(const Caller& c, const std::string& why) {
  return absl::UnauthenticatedError(
      fmt::format("could not verify existence of the original caller: pid {} {}", c.pid, why));
}

}  // namespace

PeerTracker::PeerTracker(std::string proc_root) : proc_root_(std::move(proc_root)) {}

absl::StatusOr<std::shared_ptr<Caller>> PeerTracker::Inspect(int fd) const {
  struct ucred cred {};
  socklen_t len = sizeof cred;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return absl::InternalError(fmt::format("SO_PEERCRED: {}", std::strerror(errno)));
  }
  if (cred.pid <= 0) {
    return absl::FailedPreconditionError("SO_PEERCRED reported no peer process");
  }
  auto caller = std::make_shared<Caller>();
  caller->pid = cred.pid;
  caller->uid = cred.uid;
  caller->gid = cred.gid;
  int pidfd = PidfdOpen(cred.pid);
  if (pidfd < 0 && errno != ENOSYS) {
    return absl::NotFoundError(
        fmt::format("pidfd_open of peer pid {}: {}", cred.pid, std::strerror(errno)));
  }
  caller->pidfd = workloadattestor::ScopedFd(pidfd);
  auto stat = common::ReadFile(fmt::format("{}/{}/stat", proc_root_, cred.pid));
  if (!stat.ok()) return stat.status();
  auto start = workloadattestor::ParseProcStatStartTime(*stat);
  if (!start.ok()) return start.status();
  caller->start_time = *start;
  struct stat st;
  if (::stat(fmt::format("{}/{}/exe", proc_root_, cred.pid).c_str(), &st) == 0) {
    caller->exe = std::make_pair(st.st_dev, st.st_ino);
  }
  return caller;
}

absl::StatusOr<std::shared_ptr<const Caller>> PeerTracker::Track(int fd) {
  auto caller = Inspect(fd);
  if (!caller.ok()) return caller.status();
  std::shared_ptr<const Caller> c = std::move(*caller);
  std::lock_guard<std::mutex> lock(mu_);
  by_fd_[fd] = c;
  return c;
}

absl::StatusOr<std::shared_ptr<const Caller>> PeerTracker::Lookup(std::string_view peer) const {
  constexpr std::string_view kPrefix = "fd:";
  int fd = -1;
  if (peer.substr(0, kPrefix.size()) == kPrefix) {
    std::string_view num = peer.substr(kPrefix.size());
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), fd);
    if (ec != std::errc() || ptr != num.data() + num.size()) fd = -1;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = fd >= 0 ? by_fd_.find(fd) : by_fd_.end();
  if (it == by_fd_.end()) {
    return absl::NotFoundError(fmt::format("no caller recorded for peer \"{}\"", std::string(peer)));
  }
  return it->second;
}

absl::Status PeerTracker::VerifyStillCaller(const Caller& c) const {
  if (c.pidfd.valid()) {
    pollfd pfd{c.pidfd.get(), POLLIN, 0};
    int n = ::poll(&pfd, 1, 0);
    if (n != 0) return NotTheCaller(c, "has exited");
  }
  auto stat = common::ReadFile(fmt::format("{}/{}/stat", proc_root_, c.pid));
  if (!stat.ok()) return NotTheCaller(c, "is gone");
  auto start = workloadattestor::ParseProcStatStartTime(*stat);
  if (!start.ok() || *start != c.start_time) return NotTheCaller(c, "is another process now");
  struct stat st;
  if (::stat(fmt::format("{}/{}", proc_root_, c.pid).c_str(), &st) != 0) {
    return NotTheCaller(c, "is gone");
  }
  if (st.st_uid != c.uid || st.st_gid != c.gid) {
    return NotTheCaller(c, "changed its user or group");
  }
  if (c.exe) {
    if (::stat(fmt::format("{}/{}/exe", proc_root_, c.pid).c_str(), &st) != 0 ||
        st.st_dev != c.exe->first || st.st_ino != c.exe->second) {
      return NotTheCaller(c, "runs another executable than when it connected");
    }
  }
  return absl::OkStatus();
}

}  // namespace dstart::agent::workloadapi
