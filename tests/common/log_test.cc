#include "common/log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/clock.h"
#include "support/process.h"

namespace dstart::common {
namespace {

class CaptureSink : public LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// 2023-04-04T01:10:04.805777526Z, the timestamp of the EdgeX sample line.
TimePoint SampleTime() {
  return TimePoint(std::chrono::seconds(1680570604) + std::chrono::nanoseconds(805777526));
}

struct Fixture {
  explicit Fixture(LogFormat format = LogFormat::kEdgex, LogLevel level = LogLevel::kInfo)
      : clock(SampleTime()), sink(std::make_shared<CaptureSink>()) {
    Logger::Options o;
    o.app = "core-data";
    o.format = format;
    o.level = level;
    o.sink = sink;
    o.clock = &clock;
    logger = Logger(o);
  }
  std::string Only() {
    auto lines = sink->lines();
    EXPECT_EQ(lines.size(), 1u);
    return lines.empty() ? "" : lines[0];
  }
  FakeClock clock;
  std::shared_ptr<CaptureSink> sink;
  Logger logger;
};

TEST(Logger, EdgexLineIsExact) {
  Fixture f;
  int line = __LINE__ + 1;
  DSTART_LOG_INFO(f.logger, "Creating SecretClient");
  EXPECT_EQ(f.Only(),
            "level=INFO ts=2023-04-04T01:10:04.805777526Z app=core-data source=log_test.cc:" +
                std::to_string(line) + " msg=\"Creating SecretClient\"\n");
}

TEST(Logger, EdgexLineMatchesTheFormatRegex) {
  Logger::Options o;
  auto sink = std::make_shared<CaptureSink>();
  o.app = "device-virtual";
  o.sink = sink;
  Logger real(o);  // real clock
  DSTART_LOG_WARN(real, "x", {{"k", "v"}});
  ASSERT_EQ(sink->lines().size(), 1u);
  std::regex re(
      R"(level=WARN ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z app=device-virtual source=log_test\.cc:\d+ msg="x" k=v\n)");
  EXPECT_TRUE(std::regex_match(sink->lines()[0], re)) << sink->lines()[0];
}

TEST(Logger, ExtraFieldsFollowMsgInOrder) {
  Fixture f;
  f.logger.Log(LogLevel::kError, "secret.go", 71, "failed", {{"b", "2"}, {"a", 1}, {"ok", false}});
  EXPECT_EQ(f.Only(),
            "level=ERROR ts=2023-04-04T01:10:04.805777526Z app=core-data source=secret.go:71 "
            "msg=\"failed\" b=2 a=1 ok=false\n");
}

TEST(Logger, TimestampDropsTrailingZerosAsGoRfc3339Nano) {
  Fixture f;
  f.clock.Set(TimePoint(std::chrono::seconds(1680570604) + std::chrono::milliseconds(800)));
  f.logger.Log(LogLevel::kInfo, "a.go", 1, "m");
  f.clock.Set(TimePoint(std::chrono::seconds(1680570604)));
  f.logger.Log(LogLevel::kInfo, "a.go", 1, "m");
  auto lines = f.sink->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" ts=2023-04-04T01:10:04.8Z "), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(" ts=2023-04-04T01:10:04Z "), std::string::npos) << lines[1];
}

TEST(Logger, QuotesValuesThatNeedIt) {
  struct Case {
    std::string in, out;
  } cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"two words", "\"two words\""},
      {"a=b", "\"a=b\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"line\nbreak", "\"line\\nbreak\""},
      {"tab\there", "\"tab\\there\""},
      {"cr\r", "\"cr\\r\""},
      {std::string("nul\0x", 5), "\"nul\\u0000x\""},
      {"bell\x07", "\"bell\\u0007\""},
      {"back\\slash", "back\\slash"},
      {"back\\slash space", "\"back\\\\slash space\""},
      {"caf\xC3\xA9", "caf\xC3\xA9"},
      {"bad\xFFutf8", "\"bad\\ufffdutf8\""},
      {"unix:///tmp/x", "unix:///tmp/x"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(LogfmtValue(c.in), c.out) << c.in;
    Fixture f;
    f.logger.Log(LogLevel::kInfo, "f.go", 2, "m", {{"k", c.in}});
    EXPECT_EQ(f.Only(),
              "level=INFO ts=2023-04-04T01:10:04.805777526Z app=core-data source=f.go:2 "
              "msg=\"m\" k=" +
                  c.out + "\n");
  }
}

TEST(Logger, MessageIsAlwaysQuotedAndEscaped) {
  Fixture f;
  f.logger.Log(LogLevel::kInfo, "f.go", 3, "multi\nline \"quoted\"");
  EXPECT_NE(f.Only().find(" msg=\"multi\\nline \\\"quoted\\\"\"\n"), std::string::npos);
}

TEST(Logger, KeysAreSanitised) {
  Fixture f;
  f.logger.Log(LogLevel::kInfo, "f.go", 3, "m", {{"a b=c", "v"}, {"", "w"}});
  EXPECT_NE(f.Only().find(" msg=\"m\" a_b_c=v _=w\n"), std::string::npos) << f.Only();
}

TEST(Logger, NumbersAndBoolsPrintAsGoDoes) {
  Fixture f;
  f.logger.Log(LogLevel::kInfo, "f.go", 3, "m",
               {{"i", -42}, {"u", uint64_t{18446744073709551615u}}, {"d", 1.5}, {"t", true}});
  EXPECT_NE(f.Only().find(" i=-42 u=18446744073709551615 d=1.5 t=true\n"), std::string::npos)
      << f.Only();
}

TEST(Logger, StatusFieldsPrintTheirText) {
  Fixture f;
  f.logger.Log(LogLevel::kError, "f.go", 3, "m", {{"error", absl::NotFoundError("no such key")}});
  EXPECT_NE(f.Only().find(" error=\"NOT_FOUND: no such key\"\n"), std::string::npos) << f.Only();
}

TEST(Logger, LevelFilteringAndRuntimeChange) {
  Fixture f;
  int evaluated = 0;
  auto touch = [&] {
    ++evaluated;
    return std::string("x");
  };
  DSTART_LOG_TRACE(f.logger, touch());
  DSTART_LOG_DEBUG(f.logger, touch());
  EXPECT_EQ(evaluated, 0) << "disabled levels must not evaluate their arguments";
  EXPECT_TRUE(f.sink->lines().empty());
  DSTART_LOG_INFO(f.logger, touch());
  DSTART_LOG_WARN(f.logger, touch());
  DSTART_LOG_ERROR(f.logger, touch());
  EXPECT_EQ(evaluated, 3);
  EXPECT_EQ(f.sink->lines().size(), 3u);

  Logger child = f.logger.WithFields({{"subsystem", "ca"}});
  f.logger.SetLevel(LogLevel::kError);
  EXPECT_FALSE(child.Enabled(LogLevel::kWarn)) << "children share the level";
  DSTART_LOG_WARN(f.logger, "dropped");
  EXPECT_EQ(f.sink->lines().size(), 3u);
  child.SetLevel(LogLevel::kTrace);
  EXPECT_EQ(f.logger.level(), LogLevel::kTrace);
  DSTART_LOG_TRACE(f.logger, "now");
  auto lines = f.sink->lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].rfind("level=TRACE ", 0), 0u);
  EXPECT_EQ(lines[0].rfind("level=INFO ", 0), 0u);
  EXPECT_EQ(lines[1].rfind("level=WARN ", 0), 0u);
  EXPECT_EQ(lines[2].rfind("level=ERROR ", 0), 0u);
}

TEST(Logger, ContextFieldsComeBeforeCallFields) {
  Fixture f;
  f.logger.WithFields({{"correlation-id", "abc"}}).Log(LogLevel::kInfo, "f.go", 1, "m", {{"k", 1}});
  EXPECT_NE(f.Only().find(" msg=\"m\" correlation-id=abc k=1\n"), std::string::npos);
}

TEST(Logger, ParsesLevelNames) {
  EXPECT_EQ(*ParseLogLevel("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("WARNING"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(*ParseLogLevel("trace"), LogLevel::kTrace);
  EXPECT_EQ(*ParseLogLevel("Trace"), LogLevel::kTrace);
  for (const char* bad : {"", "verbose", "INFO ", "fatal", "panic"}) {
    auto l = ParseLogLevel(bad);
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_NE(
        std::string(l.status().message()).find("invalid log level \"" + std::string(bad) + "\""),
        std::string::npos)
        << l.status();
  }
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "WARN");
}

TEST(Logger, LogrusLineMatchesSpireSeed) {
  Fixture f(LogFormat::kLogrus);
  f.clock.Set(TimePoint(std::chrono::seconds(1680645118)));  // 2023-04-04T21:51:58Z
  Logger endpoints = f.logger.WithFields({{"subsystem_name", "endpoints"}});
  endpoints.Log(LogLevel::kError, "x.cc", 1, "No identity issued",
                {{"service", "WorkloadAPI"},
                 {"registered", false},
                 {"pid", 87411},
                 {"method", "FetchX509SVID"}});
  EXPECT_EQ(f.Only(),
            "time=\"2023-04-04T21:51:58Z\" level=error msg=\"No identity issued\" "
            "method=FetchX509SVID pid=87411 registered=false service=WorkloadAPI "
            "subsystem_name=endpoints\n");
}

TEST(Logger, LogrusQuotingAndLevelNames) {
  Fixture f(LogFormat::kLogrus, LogLevel::kTrace);
  f.logger.Log(LogLevel::kWarn, "x.cc", 1, "Starting",
               {{"empty", ""}, {"sel", "unix:uid:0"}, {"path", "/usr/bin/x"}, {"sp", "a b"}});
  f.logger.Log(LogLevel::kDebug, "x.cc", 1, "d");
  f.logger.Log(LogLevel::kTrace, "x.cc", 1, "t");
  f.logger.Log(LogLevel::kInfo, "x.cc", 1, "i");
  auto lines = f.sink->lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "time=\"2023-04-04T01:10:04Z\" level=warning msg=Starting empty=\"\" path=/usr/bin/x "
            "sel=\"unix:uid:0\" sp=\"a b\"\n");
  EXPECT_NE(lines[1].find(" level=debug "), std::string::npos);
  EXPECT_NE(lines[2].find(" level=trace "), std::string::npos);
  EXPECT_NE(lines[3].find(" level=info "), std::string::npos);
}

TEST(Logger, JsonFormatIsOneObjectPerLine) {
  Fixture f(LogFormat::kJson);
  f.logger.Log(LogLevel::kInfo, "x.cc", 1, "Agent \"a\"\n", {{"pid", 7}});
  std::string line = f.Only();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], "Agent \"a\"\n");
  EXPECT_EQ(j["time"], "2023-04-04T01:10:04Z");
  EXPECT_EQ(j["pid"], "7");
}

TEST(LogSink, FileSinkAppendsWithMode0600) {
  dstart::testing::TempDir dir;
  std::string path = (dir / "app.log").string();
  for (int round = 0; round < 2; ++round) {
    auto sink = FileSink(path);
    ASSERT_TRUE(sink.ok()) << sink.status();
    Logger::Options o;
    o.sink = *sink;
    Logger l(o);
    DSTART_LOG_INFO(l, "round", {{"n", round}});
  }
  std::string text = dstart::testing::ReadFile(path);
  EXPECT_NE(text.find("n=0\n"), std::string::npos);
  EXPECT_NE(text.find("n=1\n"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(LogSink, FileSinkErrorNamesThePath) {
  auto sink = FileSink("/nonexistent-dir/x/app.log");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(std::string(sink.status().message()).find("/nonexistent-dir/x/app.log"),
            std::string::npos);
}

TEST(LogSink, ConcurrentLinesStayWhole) {
  dstart::testing::TempDir dir;
  std::string path = (dir / "c.log").string();
  auto sink = FileSink(path);
  ASSERT_TRUE(sink.ok());
  Logger::Options o;
  o.sink = *sink;
  o.app = "t";
  Logger l(o);
  constexpr int kThreads = 4, kLines = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) {
        DSTART_LOG_INFO(l, std::string(100, 'a' + t), {{"thread", t}, {"i", i}});
        if (i == kLines / 2 && t == 0) l.SetLevel(LogLevel::kInfo);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::string text = dstart::testing::ReadFile(path);
  std::regex re(
      R"(level=INFO ts=\S+ app=t source=log_test\.cc:\d+ msg="([a-d])\1{99}" thread=\d i=\d+)");
  size_t count = 0, start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    std::string line = text.substr(start, nl - start);
    EXPECT_TRUE(std::regex_match(line, re)) << line;
    ++count;
    start = nl + 1;
  }
  EXPECT_EQ(count, size_t{kThreads * kLines});
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock c(SampleTime());
  EXPECT_EQ(c.Now(), SampleTime());
  c.Advance(std::chrono::seconds(90));
  EXPECT_EQ(FormatRfc3339Nano(c.Now()), "2023-04-04T01:11:34.805777526Z");
  EXPECT_EQ(FormatRfc3339(c.Now()), "2023-04-04T01:11:34Z");
  auto a = Clock::Real().Now();
  auto b = Clock::Real().Now();
  EXPECT_LE(a, b);
}

TEST(Clock, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339Nano(TimePoint(std::chrono::nanoseconds(-1))),
            "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339Nano(TimePoint{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace dstart::common
