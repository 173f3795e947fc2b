#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dstart::common {
namespace {

absl::Status ErrnoError(int err, std::string_view what, const std::string& path) {
  std::string msg = fmt::format("{} {}: {}", what, path, strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    case EEXIST:
      return absl::AlreadyExistsError(msg);
    default:
      return absl::InternalError(msg);
  }
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "writing", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AtomicWriteFile(const std::string& path, std::string_view data, mode_t mode) {
  if (path.empty() || path.back() == '/') {
    return absl::InvalidArgumentError(
        fmt::format("cannot write file \"{}\": not a file name", path));
  }
  std::string dir = DirName(path);
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return ErrnoError(errno, "creating a temporary file for", path);
  auto fail = [&](absl::Status s) {
    close(fd);
    unlink(tmp.c_str());
    return s;
  };
  if (fchmod(fd, mode) != 0) return fail(ErrnoError(errno, "setting the mode of", tmp));
  if (absl::Status s = WriteAll(fd, data, tmp); !s.ok()) return fail(s);
  if (fsync(fd) != 0) return fail(ErrnoError(errno, "syncing", tmp));
  if (close(fd) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoError(err, "closing", tmp);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return ErrnoError(err, "renaming a temporary file over", path);
  }
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoError(errno, "opening the directory", dir);
  int rc = fsync(dfd);
  int err = errno;
  close(dfd);
  if (rc != 0) return ErrnoError(err, "syncing the directory", dir);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(fmt::format("cannot read {}: it is a directory", path));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      return ErrnoError(err, "cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

absl::Status EnsureDir(const std::string& path, mode_t mode) {
  if (path.empty())
    return absl::InvalidArgumentError("cannot create a directory with an empty path");
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(
        fmt::format("cannot create directory {}: it exists and is not a directory", path));
  }
  if (errno != ENOENT) return ErrnoError(errno, "cannot create directory", path);
  std::string parent = DirName(path);
  if (parent != path && parent != "." && parent != "/") {
    if (absl::Status s = EnsureDir(parent, mode); !s.ok()) return s;
  }
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return ErrnoError(errno, "cannot create directory", path);
  }
  // mkdir applies the umask; set the mode asked for.
  if (chmod(path.c_str(), mode) != 0) return ErrnoError(errno, "cannot set the mode of", path);
  return absl::OkStatus();
}

}  // namespace dstart::common
