#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <mutex>

#include "common/log.h"
#include "support/process.h"

namespace dstart::common {
namespace {

using ::testing::HasSubstr;

constexpr char kConfig[] = R"(Writable:
  LogLevel: INFO
  InsecureSecrets:
    DB:
      SecretName: redisdb
      SecretData:
        password: "changeme"
Service:
  Host: localhost
  Port: 59841
  StartupMsg: "started"
  Timeout: 5s
  Ratio: 0.5
  Labels: [a, b]
  Empty:
Clients:
  core-metadata:
    Host: localhost
    Port: 59881
SecretStore:
  Type: openbao
  Port: "8200"
  RuntimeTokenProvider:
    Enabled: false
    Host: ""
    Port: 59841
    RequiredSecrets: redisdb
)";

class CaptureSink : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines.emplace_back(line);
  }
  std::mutex mu_;
  std::vector<std::string> lines;
};

YamlConfig Load() {
  auto c = YamlConfig::Parse(kConfig, "configuration.yaml");
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : YamlConfig();
}

TEST(EnvOverride, NamesFollowEdgexRule) {
  EXPECT_EQ(EnvNameForPath("Clients/core-metadata/Host"), "CLIENTS_CORE_METADATA_HOST");
  EXPECT_EQ(EnvNameForPath("SecretStore/RuntimeTokenProvider/Port"),
            "SECRETSTORE_RUNTIMETOKENPROVIDER_PORT");
  EXPECT_EQ(EnvNameForPath("Writable/LogLevel"), "WRITABLE_LOGLEVEL");
}

TEST(EnvOverride, AppliesConvertsAndLogsEachOverride) {
  YamlConfig c = Load();
  auto sink = std::make_shared<CaptureSink>();
  Logger::Options o;
  o.app = "device-virtual";
  o.sink = sink;
  Logger logger(o);
  std::map<std::string, std::string> env = {
      {"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", "true"},
      {"SECRETSTORE_RUNTIMETOKENPROVIDER_HOST", "edgex-security-spiffe-token-provider"},
      {"CLIENTS_CORE_METADATA_HOST", "edgex-core-metadata"},
      {"SERVICE_PORT", "59999"},
      {"SERVICE_RATIO", "1e-3"},
      {"SERVICE_LABELS", " x , y,z ,"},
      {"SERVICE_EMPTY", "now set"},
      {"SECRETSTORE_PORT", "8201"},
      {"UNRELATED", "1"},
      {"service_host", "lower-case names do not match"},
      {"CLIENTS", "a map is not a leaf"},
  };
  auto applied = c.ApplyEnvOverrides(env, &logger);
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::vector<std::string> paths;
  for (const auto& a : *applied) paths.push_back(a.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"Service/Port", "Service/Ratio", "Service/Labels",
                                             "Service/Empty", "Clients/core-metadata/Host",
                                             "SecretStore/Port",
                                             "SecretStore/RuntimeTokenProvider/Enabled",
                                             "SecretStore/RuntimeTokenProvider/Host"}));
  EXPECT_EQ(*c.GetBool("SecretStore.RuntimeTokenProvider.Enabled"), true);
  EXPECT_EQ(*c.GetString("SecretStore.RuntimeTokenProvider.Host"),
            "edgex-security-spiffe-token-provider");
  EXPECT_EQ(*c.GetString("Clients.core-metadata.Host"), "edgex-core-metadata");
  EXPECT_EQ(*c.GetInt("Service.Port"), 59999);
  EXPECT_DOUBLE_EQ(*c.GetDouble("Service.Ratio"), 0.001);
  EXPECT_EQ(*c.GetStringList("Service.Labels"), (std::vector<std::string>{"x", "y", "z", ""}));
  EXPECT_EQ(*c.GetString("Service.Empty"), "now set");
  EXPECT_EQ(*c.GetString("Service.Host"), "localhost");
  EXPECT_EQ(*c.GetInt("SecretStore.Port"), 8201);

  ASSERT_EQ(sink->lines.size(), applied->size());
  EXPECT_THAT(sink->lines[6],
              ::testing::MatchesRegex(
                  "level=INFO ts=[^ ]+ app=device-virtual source=config\\.cc:[0-9]+ "
                  "msg=\"Variables override of 'SecretStore/RuntimeTokenProvider/Enabled' by "
                  "environment variable: SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED=true\"\n"));
  EXPECT_EQ((*applied)[4].LogLine(),
            "Variables override of 'Clients/core-metadata/Host' by environment variable: "
            "CLIENTS_CORE_METADATA_HOST=edgex-core-metadata");
}

TEST(EnvOverride, BoolsFollowGoParseBool) {
  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    YamlConfig c = Load();
    ASSERT_TRUE(c.ApplyEnvOverrides({{"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", yes}}).ok());
    EXPECT_TRUE(*c.GetBool("SecretStore.RuntimeTokenProvider.Enabled")) << yes;
  }
  for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) {
    YamlConfig c = Load();
    c.SetString("SecretStore.RuntimeTokenProvider.Enabled", "x");  // a string now: anything goes
    ASSERT_TRUE(c.ApplyEnvOverrides({{"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", no}}).ok());
    YamlConfig d = Load();
    ASSERT_TRUE(d.ApplyEnvOverrides({{"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", no}}).ok());
    EXPECT_FALSE(*d.GetBool("SecretStore.RuntimeTokenProvider.Enabled")) << no;
  }
}

TEST(EnvOverride, ValuesThatDoNotConvertAreErrorsNamingTheVariable) {
  struct Case {
    const char* env;
    const char* value;
    const char* want;
  } cases[] = {
      {"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", "yes",
       "configuration.yaml: SecretStore/RuntimeTokenProvider/Enabled: cannot override with "
       "environment variable SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED=\"yes\": not a bool (want "
       "true, false, 1, 0, t, f)"},
      {"SERVICE_PORT", "59841x",
       "configuration.yaml: Service/Port: cannot override with environment variable "
       "SERVICE_PORT=\"59841x\": not an integer"},
      {"SERVICE_PORT", " 1", "not an integer"},
      {"SERVICE_PORT", "99999999999999999999", "not an integer"},
      {"SERVICE_RATIO", "half", "not a number"},
      {"WRITABLE_INSECURESECRETS_DB_SECRETDATA_PASSWORD", "x", ""},
  };
  for (const auto& c : cases) {
    YamlConfig cfg = Load();
    auto r = cfg.ApplyEnvOverrides({{c.env, c.value}});
    if (std::string(c.want).empty()) {
      EXPECT_TRUE(r.ok()) << c.env;
      continue;
    }
    ASSERT_FALSE(r.ok()) << c.env << "=" << c.value;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want));
  }
}

TEST(EnvOverride, QuotedNumbersAreStrings) {
  YamlConfig c = Load();
  // SecretStore.Port is "8200" (quoted): a string, so any text replaces it.
  auto r = c.ApplyEnvOverrides({{"SECRETSTORE_PORT", "not-a-number"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*c.GetString("SecretStore.Port"), "not-a-number");
}

TEST(EnvOverride, SecretValuesAreNotLogged) {
  YamlConfig c = Load();
  auto r = c.ApplyEnvOverrides({{"WRITABLE_INSECURESECRETS_DB_SECRETDATA_PASSWORD", "hunter2"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].LogLine(),
            "Variables override of 'Writable/InsecureSecrets/DB/SecretData/password' by "
            "environment variable: WRITABLE_INSECURESECRETS_DB_SECRETDATA_PASSWORD=<redacted>");
  EXPECT_EQ(*c.GetString("Writable.InsecureSecrets.DB.SecretData.password"), "hunter2");
}

TEST(EnvOverride, NothingAppliesWithAnEmptyEnvironment) {
  YamlConfig c = Load();
  std::string before = c.ToYaml();
  auto r = c.ApplyEnvOverrides({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(c.ToYaml(), before);
}

TEST(EnvOverride, ReadsTheProcessEnvironment) {
  setenv("DSTART_COMMON_TEST_VAR", "a=b", 1);
  auto env = ProcessEnvironment();
  EXPECT_EQ(env["DSTART_COMMON_TEST_VAR"], "a=b");
  unsetenv("DSTART_COMMON_TEST_VAR");
}

TEST(YamlConfig, TypedAccessAndErrors) {
  YamlConfig c = Load();
  EXPECT_EQ(*c.GetString("Service.Host"), "localhost");
  EXPECT_EQ(*c.GetInt("Service.Port"), 59841);
  EXPECT_EQ(*c.GetString("Service.Port"), "59841");
  EXPECT_EQ(*c.GetDuration("Service.Timeout"), std::chrono::seconds(5));
  EXPECT_EQ(*c.GetString("Service.Empty"), "");
  EXPECT_TRUE(c.GetStringList("Service.Empty")->empty());
  EXPECT_EQ(*c.GetStringList("Service.Labels"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.Has("Clients.core-metadata.Port"));
  EXPECT_FALSE(c.Has("Clients.core-data"));
  EXPECT_FALSE(c.Has("Service.Host.Deeper"));

  auto missing = c.GetInt("Service.Nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(missing.status().message()),
            "configuration.yaml: configuration key \"Service.Nope\" not found");
  EXPECT_EQ(std::string(c.GetInt("Service.Host").status().message()),
            "configuration.yaml: Service.Host: expected an integer, got a string \"localhost\"");
  EXPECT_EQ(std::string(c.GetBool("Service.Port").status().message()),
            "configuration.yaml: Service.Port: expected a bool, got an integer \"59841\"");
  EXPECT_EQ(std::string(c.GetString("Service").status().message()),
            "configuration.yaml: Service: expected a string, got a mapping");
  EXPECT_EQ(std::string(c.GetStringList("Service.Host").status().message()),
            "configuration.yaml: Service.Host: expected a list, got a string");
  EXPECT_EQ(std::string(c.GetDouble("Service.Labels").status().message()),
            "configuration.yaml: Service.Labels: expected a number, got a list");
  EXPECT_EQ(std::string(c.GetDuration("Service.Host").status().message()),
            "configuration.yaml: Service.Host: invalid duration \"localhost\"");

  EXPECT_EQ(*c.GetInt("Service.Nope", 42), 42);
  EXPECT_EQ(*c.GetString("Service.Nope", "dflt"), "dflt");
  EXPECT_TRUE(*c.GetBool("Service.Nope", true));
  EXPECT_FALSE(c.GetInt("Service.Host", 1).ok()) << "a present value must still convert";

  EXPECT_EQ(*c.Keys("Clients.core-metadata"), (std::vector<std::string>{"Host", "Port"}));
  EXPECT_EQ(c.Keys("")->size(), 4u);
  EXPECT_FALSE(c.Keys("Service.Host").ok());
  auto sub = c.Sub("SecretStore.RuntimeTokenProvider");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(*sub->GetInt("Port"), 59841);
  EXPECT_FALSE(c.Sub("Service.Port").ok());

  c.SetString("New.Deep.Key", "v");
  EXPECT_EQ(*c.GetString("New.Deep.Key"), "v");
  c.SetString("Service.Host", "example");
  EXPECT_EQ(*c.GetString("Service.Host"), "example");
  YamlConfig copy = c;
  copy.SetString("Service.Host", "changed");
  EXPECT_EQ(*c.GetString("Service.Host"), "example") << "copies are deep";
}

TEST(YamlConfig, DefaultsMakeKeysOverridableWithTheirTypes) {
  auto file = YamlConfig::Parse("Service:\n  Host: from-file\n", "f.yaml");
  ASSERT_TRUE(file.ok());
  YamlConfig defaults;
  defaults.SetString("Service.Host", "localhost");
  defaults.SetInt("Service.Port", 59841);
  defaults.SetBool("SecretStore.RuntimeTokenProvider.Enabled", false);
  defaults.SetDouble("Service.Ratio", 2);
  defaults.SetStringList("Service.Tags", {"a", "b"});
  defaults.SetString("Service.Code", "123");
  file->MergeMissing(defaults);
  EXPECT_EQ(*file->GetString("Service.Host"), "from-file");
  EXPECT_EQ(*file->GetInt("Service.Port"), 59841);
  EXPECT_EQ(*file->GetStringList("Service.Tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(*file->GetDouble("Service.Ratio"), 2.0);

  auto ok = file->ApplyEnvOverrides({{"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", "true"},
                                     {"SERVICE_CODE", "abc"},
                                     {"SERVICE_TAGS", "x"}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 3u);
  EXPECT_TRUE(*file->GetBool("SecretStore.RuntimeTokenProvider.Enabled"));
  EXPECT_EQ(*file->GetString("Service.Code"), "abc") << "SetString keeps \"123\" a string";
  EXPECT_FALSE(file->ApplyEnvOverrides({{"SERVICE_PORT", "abc"}}).ok());
  EXPECT_FALSE(file->ApplyEnvOverrides({{"SERVICE_RATIO", "abc"}}).ok());
  EXPECT_FALSE(file->ApplyEnvOverrides({{"SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED", "on"}}).ok());
}

TEST(YamlConfig, ParseErrorsCarryLineAndColumn) {
  auto bad = YamlConfig::Parse("a: 1\nb: [1, 2\n", "cfg.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::MatchesRegex("cfg\\.yaml:[0-9]+:[0-9]+: .+"));
  auto list = YamlConfig::Parse("- a\n- b\n", "cfg.yaml");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(std::string(list.status().message()),
            "cfg.yaml:1:1: the configuration's top level must be a mapping, got a list");
  auto tab = YamlConfig::Parse("a:\n\tb: 1\n", "cfg.yaml");
  EXPECT_FALSE(tab.ok());
  auto empty = YamlConfig::Parse("", "cfg.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->Keys("")->empty());
  auto missing = YamlConfig::Load("/nonexistent/configuration.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/configuration.yaml"));
}

TEST(YamlConfig, AliasesWorkButCannotExplode) {
  auto small = YamlConfig::Parse("base: &b {Host: h, Port: 1}\nClients:\n  a: *b\n  c: *b\n");
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(*small->GetInt("Clients.c.Port"), 1);
  std::string laughs = "a0: &a0 {x: 1, y: 2}\n";
  for (int i = 1; i < 25; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " {p: *a" +
              std::to_string(i - 1) + ", q: *a" + std::to_string(i - 1) + "}\n";
  }
  auto big = YamlConfig::Parse(laughs, "laughs.yaml");
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(std::string(big.status().message()),
              HasSubstr("laughs.yaml: the configuration is too large"));
}

TEST(YamlConfig, LoadsFromFile) {
  dstart::testing::TempDir dir;
  dstart::testing::WriteFile(dir / "c.yaml", kConfig);
  auto c = YamlConfig::Load((dir / "c.yaml").string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->GetString("SecretStore.Type"), "openbao");
}

}  // namespace
}  // namespace dstart::common
