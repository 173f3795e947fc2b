#include "crypto/name.h"

#include "fmt/format.h"

namespace dstart::crypto {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// RFC 4514 §2.4 escaping of an attribute value.
std::string EscapeValue(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    bool special = c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
                   c == ';' || (i == 0 && (c == '#' || c == ' ')) ||
                   (i + 1 == v.size() && c == ' ');
    if (special) out += '\\';
    if (c == '\0') {
      out += "\\00";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

absl::StatusOr<DistinguishedName> ParseDistinguishedName(std::string_view text) {
  DistinguishedName out;
  if (Trim(text).empty()) return out;
  // Split at unescaped commas, unescaping "\x" to "x".
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 == text.size()) {
        return absl::InvalidArgumentError(
            fmt::format("distinguished name: trailing backslash at offset {}", i));
      }
      parts.back() += '\x01';  // Marks the next character as escaped.
      parts.back() += text[++i];
    } else if (c == ',') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = Trim(parts[i]);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "distinguished name: attribute {} (\"{}\") has no '='", i + 1, part));
    }
    NameAttribute attr{std::string(Trim(part.substr(0, eq))), {}};
    if (attr.type.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("distinguished name: attribute {} has an empty type", i + 1));
    }
    if (attr.type.find('\x01') != std::string::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "distinguished name: attribute {} has an escaped character in its type", i + 1));
    }
    for (char c : Trim(part.substr(eq + 1))) {
      if (c != '\x01') attr.value += c;
    }
    out.push_back(std::move(attr));
  }
  return out;
}

std::string FormatDistinguishedName(const DistinguishedName& name) {
  std::string out;
  for (auto it = name.rbegin(); it != name.rend(); ++it) {
    if (!out.empty()) out += ',';
    out += it->type;
    out += '=';
    out += EscapeValue(it->value);
  }
  return out;
}

}  // namespace dstart::crypto
