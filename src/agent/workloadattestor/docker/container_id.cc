#include "agent/workloadattestor/docker/container_id.h"

#include "absl/status/status.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {
namespace {

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The first \b[0-9a-f]{64}\b token of `segment`, or "".
std::string_view FindId(std::string_view segment) {
  size_t i = 0;
  while (i < segment.size()) {
    if (!IsWordChar(segment[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < segment.size() && IsWordChar(segment[i])) ++i;
    std::string_view word = segment.substr(start, i - start);
    if (word.size() == 64) {
      bool hex = true;
      for (char c : word) hex = hex && IsLowerHex(c);
      if (hex) return word;
    }
  }
  return {};
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ContainerIdFromCgroup(std::string_view text) {
  std::optional<std::string> found;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    size_t first = line.find(':');
    size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "cgroup line {}: \"{}\" is not hierarchy-id:controllers:path", line_no,
          std::string(line.substr(0, 200))));
    }
    std::string_view path = line.substr(second + 1);
    std::string_view id;
    while (!path.empty() && id.empty()) {
      size_t slash = path.rfind('/');
      std::string_view segment = slash == std::string_view::npos ? path : path.substr(slash + 1);
      id = FindId(segment);
      path = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
    }
    if (id.empty()) continue;
    if (found && *found != id) {
      return absl::FailedPreconditionError(fmt::format(
          "multiple container IDs found in cgroups ({}, {})", *found, std::string(id)));
    }
    found = std::string(id);
  }
  return found;
}

}  // namespace dstart::agent::workloadattestor
