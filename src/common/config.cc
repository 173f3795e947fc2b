#include "common/config.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/duration.h"
#include "common/file.h"
#include "common/log.h"
#include "common/quote.h"

extern char** environ;

namespace dstart::common {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    out.emplace_back(
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r' || s.front() == '\v' || s.front() == '\f')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '\v' || s.back() == '\f')) {
    s.remove_suffix(1);
  }
  return s;
}

// Go's strconv.ParseBool.
bool GoParseBool(std::string_view s, bool* out) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    *out = true;
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    *out = false;
    return true;
  }
  return false;
}

// Go's strconv.Atoi on a 64-bit platform: optional sign, decimal digits, int64 range.
bool GoAtoi(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? static_cast<int64_t>(-v) : static_cast<int64_t>(v);
  return true;
}

// Go's strconv.ParseFloat(s, 64) for the decimal forms, inf and nan.
bool GoParseFloat(std::string_view s, double* out) {
  if (s.empty() || Trim(s).size() != s.size()) return false;
  std::string copy(s);
  for (char c : copy) {
    if (c == 'x' || c == 'X' || c == 'p' || c == 'P') return false;  // no hex floats
  }
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  if (errno == ERANGE && std::isinf(d)) return false;
  *out = d;
  return true;
}

// The type a plain YAML scalar resolves to (YAML 1.2 core schema, as Go's yaml.v3 does).
enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };

ScalarKind KindOf(const YAML::Node& n) {
  if (n.IsNull()) return ScalarKind::kNull;
  if (!n.IsScalar()) return ScalarKind::kString;
  if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return ScalarKind::kString;
  const std::string& s = n.Scalar();
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::kNull;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarKind::kBool;
  }
  int64_t i;
  if (GoAtoi(s, &i)) return ScalarKind::kInt;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    bool ok = true;
    for (size_t k = 2; k < s.size(); ++k) {
      char c = s[k];
      ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) != 0) &&
           (s[1] == 'x' || (c >= '0' && c <= '7'));
    }
    if (ok) return ScalarKind::kInt;
  }
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan" || s == ".Inf" || s == ".NaN" ||
      s == ".INF" || s == ".NAN" || s == "-.Inf" || s == "-.INF") {
    return ScalarKind::kFloat;
  }
  double d;
  bool has_digit = s.find_first_of("0123456789") != std::string::npos;
  if (has_digit && s.find_first_not_of("0123456789+-.eE") == std::string::npos &&
      GoParseFloat(s, &d)) {
    return ScalarKind::kFloat;
  }
  return ScalarKind::kString;
}

std::string_view KindName(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  switch (KindOf(n)) {
    case ScalarKind::kNull:
      return "null";
    case ScalarKind::kBool:
      return "a bool";
    case ScalarKind::kInt:
      return "an integer";
    case ScalarKind::kFloat:
      return "a float";
    case ScalarKind::kString:
      return "a string";
  }
  return "a value";
}

// Looks up `path` without modifying the tree; the result is undefined (IsDefined() false) when
// any step is missing or is not a mapping.
YAML::Node Lookup(const YAML::Node& root, std::string_view path) {
  YAML::Node cur = root;
  for (const std::string& seg : SplitPath(path)) {
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& c = cur;
    YAML::Node next = c[seg];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

// Aliases can make a small document describe a huge tree ("billion laughs"); every walk over
// the tree is bounded by refusing documents with more nodes than this once aliases are expanded.
constexpr int64_t kMaxNodes = 200000;

bool WithinNodeBudget(const YAML::Node& n, int64_t* budget) {
  if (--*budget < 0) return false;
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!WithinNodeBudget(it->first, budget) || !WithinNodeBudget(it->second, budget)) {
        return false;
      }
    }
  } else if (n.IsSequence()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!WithinNodeBudget(*it, budget)) return false;
    }
  }
  return true;
}

struct Leaf {
  std::string path;  // '/'-separated
  YAML::Node node;   // refers into the tree
  YAML::Node parent;
  std::string key;
};

void CollectLeaves(const YAML::Node& map, const std::string& prefix, std::vector<Leaf>* out) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    std::string key = it->first.Scalar();
    std::string path = prefix.empty() ? key : prefix + "/" + key;
    YAML::Node value = it->second;
    if (value.IsMap()) {
      CollectLeaves(value, path, out);
    } else {
      out->push_back(Leaf{path, value, map, key});
    }
  }
}

// True for paths whose values are secrets (InsecureSecrets/<name>/SecretData/<key>, and the
// older .../Secrets/<key>): their override values are not logged.
bool IsSecretPath(std::string_view path) {
  return path.find("InsecureSecrets/") != std::string_view::npos &&
         (path.find("/SecretData/") != std::string_view::npos ||
          path.find("/Secrets/") != std::string_view::npos);
}

}  // namespace

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::string EnvNameForPath(std::string_view slash_path) {
  std::string out(slash_path);
  for (char& c : out) {
    if (c == '/' || c == '-') c = '_';
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string EnvOverride::LogLine() const {
  return fmt::format("Variables override of '{}' by environment variable: {}={}", path, env,
                     IsSecretPath(path) ? std::string("<redacted>") : value);
}

struct YamlConfig::Impl {
  YAML::Node root{YAML::NodeType::Map};
  std::string filename;

  absl::Status Error(std::string_view path, std::string_view msg) const {
    if (filename.empty()) return absl::InvalidArgumentError(fmt::format("{}: {}", path, msg));
    return absl::InvalidArgumentError(fmt::format("{}: {}: {}", filename, path, msg));
  }
  absl::StatusOr<YAML::Node> Get(std::string_view path) const {
    YAML::Node n = Lookup(root, path);
    if (!n.IsDefined()) {
      std::string msg = fmt::format("configuration key {} not found", GoQuote(path));
      if (!filename.empty()) msg = fmt::format("{}: {}", filename, msg);
      return absl::NotFoundError(msg);
    }
    return n;
  }
};

YamlConfig::YamlConfig() : impl_(std::make_unique<Impl>()) {}
YamlConfig::~YamlConfig() = default;
YamlConfig::YamlConfig(const YamlConfig& other) : impl_(std::make_unique<Impl>()) {
  impl_->root = YAML::Clone(other.impl_->root);
  impl_->filename = other.impl_->filename;
}
YamlConfig& YamlConfig::operator=(const YamlConfig& other) {
  if (this != &other) {
    auto copy = std::make_unique<Impl>();
    copy->root = YAML::Clone(other.impl_->root);
    copy->filename = other.impl_->filename;
    impl_ = std::move(copy);
  }
  return *this;
}
YamlConfig::YamlConfig(YamlConfig&&) noexcept = default;
YamlConfig& YamlConfig::operator=(YamlConfig&&) noexcept = default;

absl::StatusOr<YamlConfig> YamlConfig::Parse(std::string_view text, std::string_view filename) {
  YamlConfig cfg;
  cfg.impl_->filename = std::string(filename);
  std::string where = filename.empty() ? std::string() : std::string(filename) + ":";
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull() || !root.IsDefined()) {
      cfg.impl_->root = YAML::Node(YAML::NodeType::Map);
    } else if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          fmt::format("{}{}:{}: the configuration's top level must be a mapping, got {}", where,
                      root.Mark().line + 1, root.Mark().column + 1, KindName(root)));
    } else {
      int64_t budget = kMaxNodes;
      if (!WithinNodeBudget(root, &budget)) {
        return absl::InvalidArgumentError(
            fmt::format("{}the configuration is too large: more than {} values once aliases are "
                        "expanded",
                        where.empty() ? "" : where + " ", kMaxNodes));
      }
      cfg.impl_->root = root;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        fmt::format("{}{}:{}: {}", where, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return cfg;
}

absl::StatusOr<YamlConfig> YamlConfig::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

absl::StatusOr<std::vector<EnvOverride>> YamlConfig::ApplyEnvOverrides(
    const std::map<std::string, std::string>& env, const Logger* logger) {
  std::vector<Leaf> leaves;
  CollectLeaves(impl_->root, "", &leaves);
  std::vector<EnvOverride> applied;
  for (Leaf& leaf : leaves) {
    EnvOverride o{leaf.path, EnvNameForPath(leaf.path), {}};
    auto it = env.find(o.env);
    if (it == env.end()) continue;
    o.value = it->second;
    const std::string& v = o.value;
    YAML::Node replacement;
    auto bad = [&](std::string_view want) {
      return impl_->Error(
          leaf.path,
          fmt::format("cannot override with environment variable {}={}: {}", o.env,
                      IsSecretPath(leaf.path) ? std::string("<redacted>") : GoQuote(v), want));
    };
    if (leaf.node.IsSequence()) {
      replacement = YAML::Node(YAML::NodeType::Sequence);
      size_t start = 0;
      while (true) {
        size_t comma = v.find(',', start);
        std::string_view part = std::string_view(v).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start);
        YAML::Node item(std::string(Trim(part)));
        item.SetTag("!");
        replacement.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      switch (KindOf(leaf.node)) {
        case ScalarKind::kBool: {
          bool b;
          if (!GoParseBool(v, &b)) return bad("not a bool (want true, false, 1, 0, t, f)");
          replacement = YAML::Node(b ? "true" : "false");
          break;
        }
        case ScalarKind::kInt: {
          int64_t i;
          if (!GoAtoi(v, &i)) return bad("not an integer");
          replacement = YAML::Node(std::to_string(i));
          break;
        }
        case ScalarKind::kFloat: {
          double d;
          if (!GoParseFloat(v, &d)) return bad("not a number");
          replacement = YAML::Node(v);
          break;
        }
        case ScalarKind::kNull:
        case ScalarKind::kString:
          replacement = YAML::Node(v);
          replacement.SetTag("!");
          break;
      }
    }
    leaf.parent[leaf.key] = replacement;
    if (logger != nullptr) DSTART_LOG_INFO(*logger, o.LogLine());
    applied.push_back(std::move(o));
  }
  return applied;
}

bool YamlConfig::Has(std::string_view path) const { return Lookup(impl_->root, path).IsDefined(); }

absl::StatusOr<std::string> YamlConfig::GetString(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  if (n->IsNull()) return std::string();
  if (!n->IsScalar())
    return impl_->Error(path, fmt::format("expected a string, got {}", KindName(*n)));
  return n->Scalar();
}

absl::StatusOr<int64_t> YamlConfig::GetInt(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  int64_t i;
  if (!n->IsScalar() || !GoAtoi(n->Scalar(), &i)) {
    return impl_->Error(path, fmt::format("expected an integer, got {}{}", KindName(*n),
                                          n->IsScalar() ? " " + GoQuote(n->Scalar()) : ""));
  }
  return i;
}

absl::StatusOr<double> YamlConfig::GetDouble(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  double d;
  if (!n->IsScalar() || !GoParseFloat(n->Scalar(), &d)) {
    return impl_->Error(path, fmt::format("expected a number, got {}{}", KindName(*n),
                                          n->IsScalar() ? " " + GoQuote(n->Scalar()) : ""));
  }
  return d;
}

absl::StatusOr<bool> YamlConfig::GetBool(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  bool b;
  if (!n->IsScalar() || !GoParseBool(n->Scalar(), &b)) {
    return impl_->Error(path, fmt::format("expected a bool, got {}{}", KindName(*n),
                                          n->IsScalar() ? " " + GoQuote(n->Scalar()) : ""));
  }
  return b;
}

absl::StatusOr<std::vector<std::string>> YamlConfig::GetStringList(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  std::vector<std::string> out;
  if (n->IsNull()) return out;
  if (!n->IsSequence())
    return impl_->Error(path, fmt::format("expected a list, got {}", KindName(*n)));
  for (size_t i = 0; i < n->size(); ++i) {
    const YAML::Node item = (*n)[i];
    if (!item.IsScalar() && !item.IsNull()) {
      return impl_->Error(fmt::format("{}[{}]", path, i),
                          fmt::format("expected a string, got {}", KindName(item)));
    }
    out.push_back(item.IsNull() ? std::string() : item.Scalar());
  }
  return out;
}

absl::StatusOr<std::chrono::nanoseconds> YamlConfig::GetDuration(std::string_view path) const {
  absl::StatusOr<std::string> s = GetString(path);
  if (!s.ok()) return s.status();
  absl::StatusOr<std::chrono::nanoseconds> d = ParseDuration(*s);
  if (!d.ok()) return impl_->Error(path, std::string(d.status().message()));
  return d;
}

absl::StatusOr<std::string> YamlConfig::GetString(std::string_view path,
                                                  std::string_view fallback) const {
  if (!Has(path)) return std::string(fallback);
  return GetString(path);
}

absl::StatusOr<int64_t> YamlConfig::GetInt(std::string_view path, int64_t fallback) const {
  if (!Has(path)) return fallback;
  return GetInt(path);
}

absl::StatusOr<bool> YamlConfig::GetBool(std::string_view path, bool fallback) const {
  if (!Has(path)) return fallback;
  return GetBool(path);
}

absl::StatusOr<std::vector<std::string>> YamlConfig::Keys(std::string_view path) const {
  YAML::Node n = impl_->root;
  if (!path.empty()) {
    absl::StatusOr<YAML::Node> got = impl_->Get(path);
    if (!got.ok()) return got.status();
    n.reset(*got);
  }
  if (!n.IsMap()) return impl_->Error(path, fmt::format("expected a mapping, got {}", KindName(n)));
  std::vector<std::string> keys;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (it->first.IsScalar()) keys.push_back(it->first.Scalar());
  }
  return keys;
}

absl::StatusOr<YamlConfig> YamlConfig::Sub(std::string_view path) const {
  absl::StatusOr<YAML::Node> n = impl_->Get(path);
  if (!n.ok()) return n.status();
  if (!n->IsMap())
    return impl_->Error(path, fmt::format("expected a mapping, got {}", KindName(*n)));
  YamlConfig sub;
  sub.impl_->root = YAML::Clone(*n);
  sub.impl_->filename = impl_->filename;
  return sub;
}

namespace {

void SetNode(YAML::Node root, std::string_view path, const YAML::Node& value) {
  std::vector<std::string> segs = SplitPath(path);
  if (segs.empty()) return;
  YAML::Node cur = root;
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    YAML::Node next = cur[segs[i]];
    if (!next.IsMap()) {
      cur[segs[i]] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[segs[i]]);
    }
    cur.reset(next);
  }
  cur[segs.back()] = value;
}

void Merge(YAML::Node into, const YAML::Node& from) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& key = it->first.Scalar();
    YAML::Node existing = into[key];
    if (!existing.IsDefined()) {
      into[key] = YAML::Clone(it->second);
    } else if (existing.IsMap() && it->second.IsMap()) {
      Merge(existing, it->second);
    }
  }
}

}  // namespace

void YamlConfig::SetString(std::string_view path, std::string_view value) {
  YAML::Node v{std::string(value)};
  v.SetTag("!");
  SetNode(impl_->root, path, v);
}

void YamlConfig::SetInt(std::string_view path, int64_t value) {
  SetNode(impl_->root, path, YAML::Node(std::to_string(value)));
}

void YamlConfig::SetBool(std::string_view path, bool value) {
  SetNode(impl_->root, path, YAML::Node(value ? "true" : "false"));
}

void YamlConfig::SetDouble(std::string_view path, double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // stays a float
  SetNode(impl_->root, path, YAML::Node(text));
}

void YamlConfig::SetStringList(std::string_view path, const std::vector<std::string>& value) {
  YAML::Node seq(YAML::NodeType::Sequence);
  for (const std::string& s : value) {
    YAML::Node item(s);
    item.SetTag("!");
    seq.push_back(item);
  }
  SetNode(impl_->root, path, seq);
}

void YamlConfig::MergeMissing(const YamlConfig& defaults) {
  Merge(impl_->root, defaults.impl_->root);
}

std::string YamlConfig::ToYaml() const {
  YAML::Emitter out;
  out << impl_->root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace dstart::common
