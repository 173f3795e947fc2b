// EdgeX service configuration: a YAML document plus EdgeX's environment-override rule
// (spec/edgex.md §4.4, go-mod-bootstrap environment/variables.go).
//
// Override rule: every leaf of the tree (scalars, and lists taken whole) has a path such as
// Clients/core-metadata/Host. Its environment name is the path with '/' and '-' turned into '_'
// and upper-cased: CLIENTS_CORE_METADATA_HOST. Only keys already present can be overridden; a
// variable whose name matches no leaf is ignored. The new value is converted to the type of the
// value it replaces: bool by Go's strconv.ParseBool (1 t T TRUE true True 0 f F FALSE false
// False), integers by strconv.Atoi, floats by strconv.ParseFloat, lists by splitting at ','
// and trimming spaces; strings (and empty values) are taken as they are. A value that does not
// convert is an error naming the variable. Each override applied is logged at INFO as
//   Variables override of 'Service/Port' by environment variable: SERVICE_PORT=59841
//
// Paths for typed access use '.' between keys ("SecretStore.RuntimeTokenProvider.Port").
//
// Thread-safety: const methods may be called concurrently; ApplyEnvOverrides may not run
// concurrently with anything else on the same object.
#ifndef DSTART_COMMON_CONFIG_H_
#define DSTART_COMMON_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dstart::common {

class Logger;

// The process environment as a map (for ApplyEnvOverrides; tests pass their own map).
std::map<std::string, std::string> ProcessEnvironment();

struct EnvOverride {
  std::string path;   // "SecretStore/RuntimeTokenProvider/Enabled"
  std::string env;    // "SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED"
  std::string value;  // the variable's text as given
  // "Variables override of '<path>' by environment variable: <ENV>=<value>"
  std::string LogLine() const;
};

// The environment-variable name EdgeX derives from a '/'-separated path.
std::string EnvNameForPath(std::string_view slash_path);

class YamlConfig {
 public:
  YamlConfig();  // an empty mapping
  ~YamlConfig();
  YamlConfig(const YamlConfig& other);
  YamlConfig& operator=(const YamlConfig& other);
  YamlConfig(YamlConfig&&) noexcept;
  YamlConfig& operator=(YamlConfig&&) noexcept;

  // Parses YAML text whose top level must be a mapping. Errors read
  // "<filename>:<line>:<column>: <message>".
  static absl::StatusOr<YamlConfig> Parse(std::string_view text, std::string_view filename = "");
  static absl::StatusOr<YamlConfig> Load(const std::string& path);

  // Applies the override rule above with `env`, logging one INFO line per override on
  // `logger` (when not null). Returns the overrides applied, in the document's key order.
  // On a conversion error nothing after the failing leaf is applied.
  absl::StatusOr<std::vector<EnvOverride>> ApplyEnvOverrides(
      const std::map<std::string, std::string>& env, const Logger* logger = nullptr);

  bool Has(std::string_view path) const;
  // NotFound naming the path when absent; InvalidArgument naming the path and both types when
  // the value does not convert.
  absl::StatusOr<std::string> GetString(std::string_view path) const;
  absl::StatusOr<int64_t> GetInt(std::string_view path) const;
  absl::StatusOr<double> GetDouble(std::string_view path) const;
  absl::StatusOr<bool> GetBool(std::string_view path) const;
  absl::StatusOr<std::vector<std::string>> GetStringList(std::string_view path) const;
  absl::StatusOr<std::chrono::nanoseconds> GetDuration(std::string_view path) const;
  // The same, with `fallback` when the path is absent (errors still reported).
  absl::StatusOr<std::string> GetString(std::string_view path, std::string_view fallback) const;
  absl::StatusOr<int64_t> GetInt(std::string_view path, int64_t fallback) const;
  absl::StatusOr<bool> GetBool(std::string_view path, bool fallback) const;
  // The keys of the mapping at `path` ("" for the top level), in document order.
  absl::StatusOr<std::vector<std::string>> Keys(std::string_view path) const;
  // A sub-tree as its own config (for example "Clients.core-metadata").
  absl::StatusOr<YamlConfig> Sub(std::string_view path) const;

  // Set a value at `path`, creating mappings on the way (and replacing a non-mapping on the way).
  // The value keeps its type for later overrides: SetInt then SERVICE_PORT=abc is an error.
  void SetString(std::string_view path, std::string_view value);
  void SetInt(std::string_view path, int64_t value);
  void SetBool(std::string_view path, bool value);
  void SetDouble(std::string_view path, double value);
  void SetStringList(std::string_view path, const std::vector<std::string>& value);

  // Adds every key of `defaults` that this config lacks (recursively into mappings), so the
  // env-override rule can reach keys a service knows even when its file leaves them out, as
  // EdgeX's struct-based overrides do. Values present here are kept.
  void MergeMissing(const YamlConfig& defaults);

  std::string ToYaml() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dstart::common

#endif  // DSTART_COMMON_CONFIG_H_
