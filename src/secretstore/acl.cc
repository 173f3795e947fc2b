#include "secretstore/acl.h"

#include <algorithm>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "common/encoding.h"
#include "common/hcl.h"

namespace dstart::secretstore {

namespace {
constexpr std::pair<std::string_view, uint32_t> kCapabilityNames[] = {
    {"deny", kCapDeny},     {"create", kCapCreate}, {"read", kCapRead},
    {"update", kCapUpdate}, {"delete", kCapDelete}, {"list", kCapList},
    {"sudo", kCapSudo},     {"patch", kCapPatch},
};

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    out.emplace_back(s.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// Fills {{identity.entity.id}} / {{identity.entity.name}}; false when a template is unknown or
// its value is empty.
bool FillTemplates(std::string& pattern, const TemplateValues& values) {
  size_t open;
  while ((open = pattern.find("{{")) != std::string::npos) {
    size_t close = pattern.find("}}", open);
    if (close == std::string::npos) return false;
    std::string name = pattern.substr(open + 2, close - open - 2);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    std::string value;
    if (name == "identity.entity.id") {
      value = values.entity_id;
    } else if (name == "identity.entity.name") {
      value = values.entity_name;
    }
    if (value.empty()) return false;
    pattern.replace(open, close + 2 - open, value);
  }
  return true;
}
// Policy text is HCL or JSON; OpenBao also accepts either one base64-encoded.
absl::StatusOr<nlohmann::json> PolicyTextToJson(std::string_view text) {
  std::string decoded;
  if (auto b = common::Base64Decode(text); b.ok() && !b->empty()) {
    decoded.assign(b->begin(), b->end());
    text = decoded;
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return absl::InvalidArgumentError("failed to parse policy: invalid JSON");
    return j;
  }
  auto doc = common::hcl::Parse(text, "policy");
  if (!doc.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("failed to parse policy: {}", std::string(doc.status().message())));
  }
  return common::hcl::ToJson(*doc);
}
}  // namespace

uint32_t CapabilityFromName(std::string_view name) {
  for (const auto& [n, c] : kCapabilityNames) {
    if (n == name) return c;
  }
  return 0;
}

std::vector<std::string> CapabilityNames(uint32_t caps) {
  std::vector<std::string> out;
  for (const auto& [n, c] : kCapabilityNames) {
    if (caps & c) out.emplace_back(n);
  }
  return out;
}

absl::StatusOr<Policy> ParsePolicy(std::string name, std::string_view text) {
  auto doc = PolicyTextToJson(text);
  if (!doc.ok()) return doc.status();
  Policy policy;
  policy.name = std::move(name);
  policy.text = std::string(text);
  const nlohmann::json& root = *doc;
  if (!root.is_object()) return absl::InvalidArgumentError("policy must be an object");
  for (const auto& [key, value] : root.items()) {
    if (key != "path") {
      return absl::InvalidArgumentError(fmt::format("policy: unknown top-level key \"{}\"", key));
    }
  }
  auto paths = root.find("path");
  if (paths == root.end()) return policy;  // An empty policy is valid: it grants nothing.
  if (!paths->is_object()) {
    return absl::InvalidArgumentError("policy: \"path\" must map patterns to rules");
  }
  for (const auto& [pattern, body] : paths->items()) {
    if (!body.is_object()) {
      return absl::InvalidArgumentError(fmt::format("policy path \"{}\": rule must be an object", pattern));
    }
    PathRule rule;
    rule.pattern = pattern;
    while (!rule.pattern.empty() && rule.pattern.front() == '/') rule.pattern.erase(0, 1);
    size_t star = rule.pattern.find('*');
    if (star != std::string::npos && star + 1 != rule.pattern.size()) {
      return absl::InvalidArgumentError(
          fmt::format("policy path \"{}\": '*' is only allowed at the end", pattern));
    }
    for (const auto& [k, v] : body.items()) {
      if (k == "capabilities") {
        if (!v.is_array()) {
          return absl::InvalidArgumentError(
              fmt::format("policy path \"{}\": capabilities must be a list", pattern));
        }
        for (const auto& cap : v) {
          uint32_t c = cap.is_string() ? CapabilityFromName(cap.get<std::string>()) : 0;
          if (c == 0) {
            return absl::InvalidArgumentError(fmt::format(
                "policy path \"{}\": invalid capability {}", pattern, cap.dump()));
          }
          rule.capabilities |= c;
        }
      } else if (k == "policy") {
        // Legacy shorthand: read|write|list|deny|sudo.
        static const std::map<std::string, uint32_t> kLegacy = {
            {"deny", kCapDeny},
            {"read", kCapRead | kCapList},
            {"write", kCapRead | kCapList | kCapCreate | kCapUpdate | kCapDelete},
            {"sudo", kCapRead | kCapList | kCapCreate | kCapUpdate | kCapDelete | kCapSudo},
        };
        auto it = v.is_string() ? kLegacy.find(v.get<std::string>()) : kLegacy.end();
        if (it == kLegacy.end()) {
          return absl::InvalidArgumentError(
              fmt::format("policy path \"{}\": invalid policy {}", pattern, v.dump()));
        }
        rule.capabilities |= it->second;
      } else if (k == "min_wrapping_ttl" || k == "max_wrapping_ttl" || k == "allowed_parameters" ||
                 k == "denied_parameters" || k == "required_parameters" || k == "pagination_limit") {
        // Accepted and not enforced.
      } else {
        return absl::InvalidArgumentError(
            fmt::format("policy path \"{}\": unknown key \"{}\"", pattern, k));
      }
    }
    policy.rules.push_back(std::move(rule));
  }
  return policy;
}

Acl::Acl(const std::vector<const Policy*>& policies, const TemplateValues& values, bool root)
    : root_(root) {
  std::map<std::string, uint32_t> merged;
  for (const Policy* p : policies) {
    if (p == nullptr) continue;
    if (p->name == "root") root_ = true;
    for (const PathRule& r : p->rules) {
      std::string pattern = r.pattern;
      if (!FillTemplates(pattern, values)) continue;
      uint32_t& caps = merged[pattern];
      caps |= r.capabilities;
      if (caps & kCapDeny) caps = kCapDeny;  // §3.4: deny absorbs the union.
    }
  }
  for (auto& [pattern, caps] : merged) {
    bool glob = !pattern.empty() && pattern.back() == '*';
    bool has_plus = false;
    for (const std::string& seg : Split(pattern)) {
      if (seg == "+") has_plus = true;
    }
    if (!glob && !has_plus) {
      exact_.emplace(pattern, caps);
      continue;
    }
    Rule rule;
    rule.pattern = pattern;
    rule.capabilities = caps;
    rule.glob = glob;
    rule.prefix = glob ? pattern.substr(0, pattern.size() - 1) : pattern;
    rule.first_wildcard = glob ? rule.prefix.size() : pattern.size();
    if (has_plus) {
      rule.segmented = true;
      rule.segments = Split(rule.prefix);
      size_t offset = 0;
      bool seen = false;
      for (const std::string& seg : rule.segments) {
        if (seg == "+") {
          ++rule.plus_count;
          if (!seen) rule.first_wildcard = offset;
          seen = true;
        }
        offset += seg.size() + 1;
      }
      segments_.push_back(std::move(rule));
    } else {
      globs_.push_back(std::move(rule));
    }
  }
}

// §3.5 step 2 priority: is `a` a better match than `b`?
bool Acl::Better(const Rule& a, const Rule& b) {
  if (a.first_wildcard != b.first_wildcard) return a.first_wildcard > b.first_wildcard;
  if (a.glob != b.glob) return !a.glob;
  if (a.plus_count != b.plus_count) return a.plus_count < b.plus_count;
  if (a.pattern.size() != b.pattern.size()) return a.pattern.size() > b.pattern.size();
  return a.pattern > b.pattern;
}

const Acl::Rule* Acl::Select(std::string_view path) const {
  const Rule* best = nullptr;
  for (const Rule& r : globs_) {
    if (path.substr(0, r.prefix.size()) != r.prefix) continue;
    if (best == nullptr || r.prefix.size() > best->prefix.size()) best = &r;
  }
  if (segments_.empty()) return best;
  std::vector<std::string> parts = Split(path);
  for (const Rule& r : segments_) {
    size_t n = r.segments.size();
    if (!r.glob && parts.size() != n) continue;
    if (r.glob && parts.size() < n) continue;
    bool match = true;
    for (size_t i = 0; i < n && match; ++i) {
      const std::string& seg = r.segments[i];
      if (seg == "+") continue;
      if (r.glob && i + 1 == n) {
        match = parts[i].compare(0, seg.size(), seg) == 0;
      } else {
        match = parts[i] == seg;
      }
    }
    if (!match) continue;
    if (best == nullptr || Better(r, *best)) best = &r;
  }
  return best;
}

uint32_t Acl::Capabilities(std::string_view path, bool is_list) const {
  if (root_) return ~kCapDeny;
  if (auto it = exact_.find(path); it != exact_.end()) return it->second;
  bool trimmed = is_list && !path.empty() && path.back() == '/';
  std::string_view bare = trimmed ? path.substr(0, path.size() - 1) : path;
  if (trimmed) {
    if (auto it = exact_.find(bare); it != exact_.end()) return it->second;
  }
  if (const Rule* r = Select(path)) return r->capabilities;
  if (trimmed) {
    if (const Rule* r = Select(bare)) return r->capabilities;
  }
  return 0;
}

bool Acl::Allows(std::string_view path, bool is_list, uint32_t needed) const {
  if (root_) return true;
  uint32_t caps = Capabilities(path, is_list);
  if (caps & kCapDeny) return false;
  return (caps & needed) == needed;
}

}  // namespace dstart::secretstore
