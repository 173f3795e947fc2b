#include "crypto/pem.h"

#include "common/encoding.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  return line;
}

// The label of a "-----BEGIN X-----" / "-----END X-----" line, if `line` is one.
bool MarkerLabel(std::string_view line, std::string_view prefix, std::string_view* label) {
  if (line.size() < prefix.size() + kDashes.size() || !line.starts_with(prefix) ||
      !line.ends_with(kDashes)) {
    return false;
  }
  *label = line.substr(prefix.size(), line.size() - prefix.size() - kDashes.size());
  return true;
}

}  // namespace

absl::StatusOr<std::vector<PemBlock>> ParsePem(std::string_view text) {
  std::vector<PemBlock> blocks;
  bool inside = false;
  PemBlock current;
  std::string body;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = TrimLine(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++line_no;
    std::string_view label;
    if (!inside) {
      if (MarkerLabel(line, kBegin, &label)) {
        inside = true;
        current = PemBlock{std::string(label), {}, line_no};
        body.clear();
      }
      continue;
    }
    if (MarkerLabel(line, kEnd, &label)) {
      if (label != current.label) {
        return absl::InvalidArgumentError(
            fmt::format("PEM line {}: END label \"{}\" does not match BEGIN \"{}\" on line {}",
                        line_no, label, current.label, current.line));
      }
      if (body.empty()) {
        return absl::InvalidArgumentError(fmt::format(
            "PEM block \"{}\" on line {} has an empty body", current.label, current.line));
      }
      auto der = common::Base64Decode(body);
      if (!der.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("PEM block \"{}\" on line {}: body is not base64: {}", current.label,
                        current.line, std::string(der.status().message())));
      }
      current.der = std::move(*der);
      blocks.push_back(std::move(current));
      inside = false;
      continue;
    }
    if (line.starts_with(kBegin)) {
      return absl::InvalidArgumentError(
          fmt::format("PEM line {}: BEGIN inside block \"{}\" of line {} (END missing)", line_no,
                      current.label, current.line));
    }
    if (line.find(':') != std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "PEM line {}: encapsulated header in block \"{}\" (legacy encrypted PEM is not "
          "supported; decrypt the key first)",
          line_no, current.label));
    }
    for (char c : line) {
      if (c != ' ' && c != '\t' && c != '\r') body += c;
    }
  }
  if (inside) {
    return absl::InvalidArgumentError(fmt::format(
        "PEM block \"{}\" on line {} has no END line", current.label, current.line));
  }
  if (blocks.empty()) return absl::InvalidArgumentError("no PEM block found (no \"-----BEGIN\")");
  return blocks;
}

std::string EncodePem(std::string_view label, std::span<const uint8_t> der) {
  std::string b64 = common::Base64Encode(der);
  std::string out = fmt::format("-----BEGIN {}-----\n", label);
  for (size_t i = 0; i < b64.size(); i += 64) {
    out.append(b64, i, 64);
    out += '\n';
  }
  out += fmt::format("-----END {}-----\n", label);
  return out;
}

}  // namespace dstart::crypto
