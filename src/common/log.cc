#include "common/log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/quote.h"

namespace dstart::common {
namespace {

// Writes `line` to `fd` with one write(2) unless the kernel takes it in parts.
void WriteLine(int fd, std::string_view line) {
  while (!line.empty()) {
    ssize_t n = write(fd, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failing log sink.
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
}

class FdSink final : public LogSink {
 public:
  FdSink(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSink() override {
    if (owned_) close(fd_);
  }
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    WriteLine(fd_, line);
  }

 private:
  std::mutex mu_;
  int fd_;
  bool owned_;
};

bool LogfmtNeedsQuotes(std::string_view v) {
  for (unsigned char c : v) {
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7F) return true;
  }
  return !IsValidUtf8(v);
}

// logrus's TextFormatter quotes anything outside [A-Za-z0-9-._/@^+], and empty values.
std::string LogrusValue(std::string_view v) {
  bool plain = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
  });
  return plain ? std::string(v) : GoQuote(v);
}

std::string LogfmtKey(std::string_view k) {
  if (k.empty()) return "_";
  std::string out(k);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '=' || c == '"' || u == 0x7F) c = '_';
  }
  return out;
}

std::string_view LogrusLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  std::string l = Lower(text);
  if (l == "trace") return LogLevel::kTrace;
  if (l == "debug") return LogLevel::kDebug;
  if (l == "info") return LogLevel::kInfo;
  if (l == "warn" || l == "warning") return LogLevel::kWarn;
  if (l == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(fmt::format(
      "invalid log level {}: want one of TRACE, DEBUG, INFO, WARN, ERROR", GoQuote(text)));
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "TRACE";
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

LogField::LogField(std::string_view k, double v) : key(k), value(fmt::format("{}", v)) {}
LogField::LogField(std::string_view k, const absl::Status& v) : key(k), value(v.ToString()) {}

std::string LogfmtValue(std::string_view value, bool always) {
  if (always || LogfmtNeedsQuotes(value)) return GoQuote(value);
  return std::string(value);
}

std::shared_ptr<LogSink> StderrSink() {
  static std::shared_ptr<LogSink> sink = std::make_shared<FdSink>(2, false);
  return sink;
}

absl::StatusOr<std::shared_ptr<LogSink>> FileSink(const std::string& path) {
  if (path == "/dev/stdout") return std::shared_ptr<LogSink>(std::make_shared<FdSink>(1, false));
  if (path == "/dev/stderr") return StderrSink();
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        fmt::format("cannot open log file {}: {}", path, strerror(errno)));
  }
  return std::shared_ptr<LogSink>(std::make_shared<FdSink>(fd, true));
}

struct Logger::Shared {
  std::string app;
  LogFormat format;
  std::atomic<int> level;
  std::shared_ptr<LogSink> sink;
  const Clock* clock;
};

namespace {
Logger::Options DefaultOptions() {
  Logger::Options o;
  o.app = "dstart";
  return o;
}
}  // namespace

Logger::Logger() : Logger(DefaultOptions()) {}

Logger::Logger(Options options) : shared_(std::make_shared<Shared>()) {
  shared_->app = std::move(options.app);
  shared_->format = options.format;
  shared_->level.store(static_cast<int>(options.level));
  shared_->sink = options.sink ? std::move(options.sink) : StderrSink();
  shared_->clock = options.clock ? options.clock : &Clock::Real();
}

Logger Logger::WithFields(LogFields fields) const {
  Logger child = *this;
  for (auto& f : fields) child.context_.push_back(std::move(f));
  return child;
}

bool Logger::Enabled(LogLevel level) const {
  return static_cast<int>(level) >= shared_->level.load(std::memory_order_relaxed);
}

LogLevel Logger::level() const { return static_cast<LogLevel>(shared_->level.load()); }

void Logger::SetLevel(LogLevel level) { shared_->level.store(static_cast<int>(level)); }

void Logger::Log(LogLevel level, const char* file, int line, std::string_view msg,
                 std::initializer_list<LogField> fields) const {
  if (!Enabled(level)) return;
  shared_->sink->Write(Format(level, file, line, msg, fields.begin(), fields.size()));
}

void Logger::Log(LogLevel level, const char* file, int line, std::string_view msg,
                 const LogFields& fields) const {
  if (!Enabled(level)) return;
  shared_->sink->Write(Format(level, file, line, msg, fields.data(), fields.size()));
}

std::string Logger::Format(LogLevel level, const char* file, int line, std::string_view msg,
                           const LogField* fields, size_t n) const {
  TimePoint now = shared_->clock->Now();
  std::string out;
  switch (shared_->format) {
    case LogFormat::kEdgex: {
      out = fmt::format("level={} ts={} app={} source={} msg={}", LogLevelName(level),
                        FormatRfc3339Nano(now), LogfmtValue(shared_->app),
                        LogfmtValue(fmt::format("{}:{}", file ? file : "?", line)),
                        LogfmtValue(msg, /*always=*/true));
      auto add = [&](const LogField& f) {
        out += ' ';
        out += LogfmtKey(f.key);
        out += '=';
        out += LogfmtValue(f.value);
      };
      for (const auto& f : context_) add(f);
      for (size_t i = 0; i < n; ++i) add(fields[i]);
      break;
    }
    case LogFormat::kLogrus: {
      std::vector<const LogField*> all;
      for (const auto& f : context_) all.push_back(&f);
      for (size_t i = 0; i < n; ++i) all.push_back(&fields[i]);
      std::stable_sort(all.begin(), all.end(),
                       [](const LogField* a, const LogField* b) { return a->key < b->key; });
      out = fmt::format("time={} level={} msg={}", LogrusValue(FormatRfc3339(now)),
                        LogrusLevelName(level), LogrusValue(msg));
      for (const LogField* f : all) {
        out += ' ';
        out += LogfmtKey(f->key);
        out += '=';
        out += LogrusValue(f->value);
      }
      break;
    }
    case LogFormat::kJson: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& f : context_) j[f.key] = f.value;
      for (size_t i = 0; i < n; ++i) j[fields[i].key] = fields[i].value;
      j["level"] = LogrusLevelName(level);
      j["msg"] = msg;
      j["time"] = FormatRfc3339(now);
      out = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    }
  }
  out += '\n';
  return out;
}

}  // namespace dstart::common
