#include "agent/workloadattestor/process_info.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "common/file.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {
namespace {

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string msg = fmt::format("{}: {}", what, std::strerror(err));
  if (err == ENOENT || err == ESRCH) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

absl::StatusOr<std::vector<uint32_t>> ParseIds(std::string_view field, std::string_view value,
                                              int line_no) {
  std::vector<uint32_t> ids;
  value = Trim(value);
  while (!value.empty()) {
    size_t end = value.find_first_of(" \t");
    std::string_view token = value.substr(0, end);
    uint32_t id = 0;
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), id);
    if (ec != std::errc() || ptr != token.data() + token.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "/proc status line {}: {} holds \"{}\", which is not a decimal id", line_no, field,
          std::string(token)));
    }
    ids.push_back(id);
    if (end == std::string_view::npos) break;
    value = Trim(value.substr(end));
  }
  return ids;
}

}  // namespace

absl::StatusOr<ProcessStatus> ParseProcStatus(std::string_view text) {
  ProcessStatus status;
  bool have_uid = false, have_gid = false;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (key == "Name") {
      status.name = std::string(Trim(value));
    } else if (key == "Uid" || key == "Gid" || key == "Groups") {
      auto ids = ParseIds(key, value, line_no);
      if (!ids.ok()) return ids.status();
      if (key != "Groups" && (ids->empty() || ids->size() > 4)) {
        return absl::InvalidArgumentError(fmt::format(
            "/proc status line {}: {} must hold 1 to 4 ids, found {}", line_no,
            std::string(key), ids->size()));
      }
      if (key == "Uid") {
        if (have_uid) {
          return absl::InvalidArgumentError(
              fmt::format("/proc status line {}: Uid appears twice", line_no));
        }
        status.uids = std::move(*ids);
        have_uid = true;
      } else if (key == "Gid") {
        if (have_gid) {
          return absl::InvalidArgumentError(
              fmt::format("/proc status line {}: Gid appears twice", line_no));
        }
        status.gids = std::move(*ids);
        have_gid = true;
      } else {
        status.groups = std::move(*ids);
      }
    }
  }
  if (!have_uid) return absl::InvalidArgumentError("/proc status: no Uid line");
  if (!have_gid) return absl::InvalidArgumentError("/proc status: no Gid line");
  return status;
}

absl::StatusOr<uint64_t> ParseProcStatStartTime(std::string_view text) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return absl::InvalidArgumentError("/proc stat: no ')' closing the command name");
  }
  // After ") " come field 3 (state) onwards; starttime is field 22, the 20th after the comm.
  std::string_view rest = text.substr(close + 1);
  int field = 2;
  while (!rest.empty()) {
    rest = Trim(rest);
    if (rest.empty()) break;
    size_t end = rest.find(' ');
    std::string_view token = rest.substr(0, end);
    ++field;
    if (field == 22) {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || ptr != token.data() + token.size()) {
        return absl::InvalidArgumentError(
            fmt::format("/proc stat: starttime \"{}\" is not a number", std::string(token)));
      }
      return v;
    }
    if (end == std::string_view::npos) break;
    rest = rest.substr(end);
  }
  return absl::InvalidArgumentError(
      fmt::format("/proc stat: only {} fields, starttime is field 22", field));
}

ScopedFd& ScopedFd::operator=(ScopedFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

ScopedFd::~ScopedFd() {
  if (fd_ >= 0) ::close(fd_);
}

RealProcessInfo::RealProcessInfo() {
  const char* host_proc = std::getenv("HOST_PROC");
  proc_root_ = host_proc && *host_proc ? host_proc : "/proc";
}

RealProcessInfo::RealProcessInfo(std::string proc_root) : proc_root_(std::move(proc_root)) {}

absl::StatusOr<ProcessStatus> RealProcessInfo::Status(int pid) const {
  std::string path = fmt::format("{}/{}/status", proc_root_, pid);
  auto text = common::ReadFile(path);
  if (!text.ok()) return text.status();
  auto status = ParseProcStatus(*text);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path, std::string(status.status().message())));
  }
  return status;
}

absl::StatusOr<std::string> RealProcessInfo::ExePath(int pid) const {
  std::string path = fmt::format("{}/{}/exe", proc_root_, pid);
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  if (n < 0) return ErrnoStatus(errno, fmt::format("readlink {}", path));
  if (static_cast<size_t>(n) == buf.size()) {
    return absl::InternalError(fmt::format("readlink {}: target longer than 4096 bytes", path));
  }
  buf.resize(static_cast<size_t>(n));
  return buf;
}

absl::StatusOr<ScopedFd> RealProcessInfo::OpenExe(int pid) const {
  std::string path = fmt::format("{}/{}/exe", proc_root_, pid);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("open {}", path));
  return ScopedFd(fd);
}

absl::StatusOr<std::string> RealProcessInfo::Cgroup(int pid) const {
  return common::ReadFile(fmt::format("{}/{}/cgroup", proc_root_, pid));
}

std::optional<std::string> RealProcessInfo::UserName(uint32_t uid) const {
  struct passwd pw;
  struct passwd* result = nullptr;
  std::string buf(16384, '\0');
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  return std::string(result->pw_name);
}

std::optional<std::string> RealProcessInfo::GroupName(uint32_t gid) const {
  struct group gr;
  struct group* result = nullptr;
  std::string buf(16384, '\0');
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &result) != 0 || result == nullptr) {
    return std::nullopt;
  }
  return std::string(result->gr_name);
}

}  // namespace dstart::agent::workloadattestor
