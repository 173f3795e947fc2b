// Whole-file reads and crash-safe writes.
#ifndef DSTART_COMMON_FILE_H_
#define DSTART_COMMON_FILE_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dstart::common {

// Replaces `path` with `data` so that a reader sees either the old content or the new one,
// never a mix: writes a temporary file in the same directory with `mode`, fsyncs it, renames
// it over `path` and fsyncs the directory. On failure the temporary file is removed and `path`
// is untouched. The error names the path and the failing step.
absl::Status AtomicWriteFile(const std::string& path, std::string_view data, mode_t mode = 0600);

// The whole content of `path`. NotFound when it does not exist, PermissionDenied when it cannot
// be opened, and otherwise an Internal error; each message names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Creates `path` and any missing parents with `mode` (parents already present are left as they
// are). OK when `path` already is a directory; FailedPrecondition when it exists as something else.
absl::Status EnsureDir(const std::string& path, mode_t mode = 0700);

}  // namespace dstart::common

#endif  // DSTART_COMMON_FILE_H_
