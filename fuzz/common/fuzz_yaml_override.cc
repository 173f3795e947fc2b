// YAML loading and EdgeX env overrides must never crash. Input: a YAML document, then a line
// "---ENV---", then KEY=VALUE lines. Every override applied must name the variable derived from
// its path, and applying the same environment twice must change nothing more.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dstart::common;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view yaml = in, envtext;
  if (size_t sep = in.find("\n---ENV---\n"); sep != std::string_view::npos) {
    yaml = in.substr(0, sep);
    envtext = in.substr(sep + 11);
  }
  std::map<std::string, std::string> env;
  while (!envtext.empty()) {
    size_t nl = envtext.find('\n');
    std::string_view line = envtext.substr(0, nl);
    envtext = nl == std::string_view::npos ? std::string_view() : envtext.substr(nl + 1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  auto cfg = YamlConfig::Parse(yaml, "fuzz.yaml");
  if (!cfg.ok()) return 0;
  auto applied = cfg->ApplyEnvOverrides(env);
  if (!applied.ok()) return 0;
  for (const EnvOverride& o : *applied) {
    if (o.env != EnvNameForPath(o.path)) std::abort();
    if (env.at(o.env) != o.value) std::abort();
    (void)o.LogLine();
  }
  std::string once = cfg->ToYaml();
  auto twice = cfg->ApplyEnvOverrides(env);
  if (!twice.ok() || twice->size() != applied->size()) std::abort();
  if (cfg->ToYaml() != once) std::abort();
  auto keys = cfg->Keys("");
  if (keys.ok()) {
    for (const std::string& k : *keys) {
      (void)cfg->GetString(k);
      (void)cfg->GetInt(k);
      (void)cfg->GetBool(k);
      (void)cfg->GetDouble(k);
      (void)cfg->GetStringList(k);
      (void)cfg->GetDuration(k);
    }
  }
  return 0;
}
