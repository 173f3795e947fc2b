#include "spiffe/id.h"

#include <fmt/format.h>

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace dstart::spiffe {
namespace {

constexpr std::string_view kScheme = "spiffe://";

// Shows the offending input in an error: escaped, and cut short when very long.
std::string Quote(std::string_view text) {
  constexpr size_t kShown = 96;
  std::string shown(text.substr(0, kShown));
  std::string out = "\"" + absl::CHexEscape(shown) + "\"";
  if (text.size() > kShown) out += fmt::format(" (first {} of {} bytes)", kShown, text.size());
  return out;
}

std::string DescribeChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

bool IsTrustDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

// The URI characters that most often end up where they are not allowed get their own message,
// so the error says which URI feature was attempted.
std::optional<std::string> SpecialCharProblem(char c) {
  switch (c) {
    case '%':
      return "percent-encoding is not allowed";
    case '?':
      return "a query is not allowed";
    case '#':
      return "a fragment is not allowed";
    default:
      return std::nullopt;
  }
}

std::string TrustDomainCharProblem(char c, size_t offset) {
  std::string what;
  if (c >= 'A' && c <= 'Z') {
    what = "trust domain must be lowercase";
  } else if (c == '@') {
    what = "trust domain cannot contain userinfo";
  } else if (c == ':') {
    what = "trust domain cannot contain a port";
  } else if (auto special = SpecialCharProblem(c)) {
    what = *special;
  } else {
    what =
        "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and "
        "underscores";
  }
  return fmt::format("{} ({} at byte {})", what, DescribeChar(c), offset);
}

// Checks a trust domain name; `base` is its offset in the text being reported.
std::optional<std::string> TrustDomainProblem(std::string_view name, size_t base) {
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsTrustDomainChar(name[i])) return TrustDomainCharProblem(name[i], base + i);
  }
  if (name.empty()) return "trust domain is missing";
  if (name.size() > kMaxTrustDomainLength) {
    return fmt::format("trust domain is {} bytes, longer than the {}-byte limit", name.size(),
                       kMaxTrustDomainLength);
  }
  return std::nullopt;
}

std::optional<std::string> SegmentProblem(std::string_view seg, size_t base) {
  if (seg == "." || seg == "..") {
    return fmt::format("path cannot contain dot segments (\"{}\" at byte {})", seg, base);
  }
  for (size_t i = 0; i < seg.size(); ++i) {
    char c = seg[i];
    if (IsPathChar(c)) continue;
    std::string what = SpecialCharProblem(c).value_or(
        "path segment characters are limited to letters, numbers, dots, dashes, and underscores");
    return fmt::format("{} ({} at byte {})", what, DescribeChar(c), base + i);
  }
  return std::nullopt;
}

// Checks a path ("" or "/seg(/seg)*"); `base` is its offset in the text being reported.
std::optional<std::string> PathProblem(std::string_view path, size_t base) {
  if (path.empty()) return std::nullopt;
  if (path[0] != '/') return fmt::format("path must start with '/' (byte {})", base);
  size_t pos = 1;
  while (true) {
    size_t end = path.find('/', pos);
    std::string_view seg =
        path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (seg.empty()) {
      if (end == std::string_view::npos) {
        return fmt::format("path cannot have a trailing slash (byte {})", base + pos - 1);
      }
      return fmt::format("path cannot contain empty segments (\"//\" at byte {})", base + pos - 1);
    }
    if (auto problem = SegmentProblem(seg, base + pos)) return problem;
    if (end == std::string_view::npos) return std::nullopt;
    pos = end + 1;
  }
}

absl::Status InvalidId(std::string_view text, const std::string& problem) {
  return absl::InvalidArgumentError(fmt::format("invalid SPIFFE ID {}: {}", Quote(text), problem));
}

absl::Status CheckLength(std::string_view text, size_t length) {
  if (length <= kMaxIdLength) return absl::OkStatus();
  return InvalidId(
      text, fmt::format("ID is {} bytes, longer than the {}-byte limit", length, kMaxIdLength));
}

}  // namespace

absl::StatusOr<TrustDomain> TrustDomain::FromString(std::string_view text) {
  if (text.find(":/") != std::string_view::npos) {
    auto id = SpiffeId::FromString(text);
    if (!id.ok()) return id.status();
    return id->GetTrustDomain();
  }
  if (auto problem = TrustDomainProblem(text, 0)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid trust domain {}: {}", Quote(text), *problem));
  }
  return TrustDomain(std::string(text));
}

std::string TrustDomain::IdString() const { return std::string(kScheme) + name_; }

SpiffeId TrustDomain::Id() const { return SpiffeId(*this, ""); }

absl::StatusOr<SpiffeId> SpiffeId::FromString(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("invalid SPIFFE ID: cannot be empty");
  if (text.substr(0, kScheme.size()) != kScheme) {
    return InvalidId(text, "scheme is missing or invalid (must start with \"spiffe://\")");
  }
  if (auto st = CheckLength(text, text.size()); !st.ok()) return st;
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view td = rest.substr(0, slash);
  if (auto problem = TrustDomainProblem(td, kScheme.size())) return InvalidId(text, *problem);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (auto problem = PathProblem(path, kScheme.size() + td.size())) {
    return InvalidId(text, *problem);
  }
  return SpiffeId(TrustDomain(std::string(td)), std::string(path));
}

absl::StatusOr<SpiffeId> SpiffeId::FromPath(const TrustDomain& td, std::string_view path) {
  SpiffeId id(td, std::string(path));
  if (auto problem = PathProblem(path, 0)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid SPIFFE ID path {}: {}", Quote(path), *problem));
  }
  std::string whole = id.String();
  if (auto st = CheckLength(whole, whole.size()); !st.ok()) return st;
  return id;
}

absl::StatusOr<SpiffeId> SpiffeId::FromSegments(const TrustDomain& td,
                                                const std::vector<std::string>& segments) {
  std::string path;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    std::optional<std::string> problem;
    if (seg.empty()) {
      problem = "path cannot contain empty segments";
    } else if (seg.find('/') != std::string::npos) {
      problem = "a segment cannot contain '/'";
    } else if (auto p = SegmentProblem(seg, 0)) {
      problem = p;
    }
    if (problem) {
      return absl::InvalidArgumentError(
          fmt::format("invalid SPIFFE ID path segment {} ({}): {}", i, Quote(seg), *problem));
    }
    path += '/';
    path += seg;
  }
  SpiffeId id(td, std::move(path));
  std::string whole = id.String();
  if (auto st = CheckLength(whole, whole.size()); !st.ok()) return st;
  return id;
}

std::string SpiffeId::String() const { return std::string(kScheme) + td_.name_ + path_; }

}  // namespace dstart::spiffe
