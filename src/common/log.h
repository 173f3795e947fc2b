// Structured line logging in the two formats this stack must reproduce:
//
//   kEdgex  (go-kit logfmt, spec/edgex.md §9.1)
//     level=INFO ts=2023-04-04T01:10:04.805777526Z app=<app> source=<file>:<line> msg="..." k=v
//   kLogrus (SPIRE's logrus text format, spec/edgex.md §9.1)
//     time="2023-04-04T21:51:58Z" level=error msg="No identity issued" method=FetchX509SVID
//     pid=87411 (extra fields sorted by key, as logrus does)
//   kJson   (SPIRE's log_format = "json": one JSON object per line, keys sorted)
//
// Logfmt values are quoted only when they contain a space, '=', '"', a control character or
// invalid UTF-8 (EdgeX always quotes msg). Quoted values use Go escapes (\" \\ \n \t \r \u00XX).
//
// Thread-safety: a Logger may be used from any number of threads; each line reaches the sink
// in one write(2). SetLevel is atomic and applies to the logger and to every logger derived
// from it with WithFields. A disabled level costs one atomic load when the DSTART_LOG_* macros
// are used (arguments are not evaluated).
#ifndef DSTART_COMMON_LOG_H_
#define DSTART_COMMON_LOG_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::common {

class Clock;

enum class LogLevel : int { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };

// Accepts any case of trace, debug, info, warn, warning, error. InvalidArgument otherwise,
// naming the value and the accepted ones.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);
// "TRACE", "DEBUG", "INFO", "WARN", "ERROR".
std::string_view LogLevelName(LogLevel level);

enum class LogFormat { kEdgex, kLogrus, kJson };

// One key=value pair. Numbers and bools are rendered as Go prints them.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  LogField(std::string_view k, double v);
  LogField(std::string_view k, const absl::Status& v);  // the status's ToString()
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
      LogField(std::string_view k, T v)
      : key(k), value(std::to_string(v)) {}

  std::string key;
  std::string value;
};
using LogFields = std::vector<LogField>;

// Where finished lines go. Write receives one complete line including its trailing '\n'.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Standard error (fd 2).
std::shared_ptr<LogSink> StderrSink();
// Appends to `path`, creating it with mode 0600. "/dev/stdout" and "/dev/stderr" (as SPIRE's
// log_file allows) write to fd 1 / fd 2. The error names the path.
absl::StatusOr<std::shared_ptr<LogSink>> FileSink(const std::string& path);

class Logger {
 public:
  struct Options {
    std::string app;  // app=<app> in the EdgeX format; unused by logrus.
    LogFormat format = LogFormat::kEdgex;
    LogLevel level = LogLevel::kInfo;
    std::shared_ptr<LogSink> sink;  // null: stderr.
    const Clock* clock = nullptr;   // null: Clock::Real(). Must outlive the logger.
  };

  // A logger writing to stderr in the EdgeX format at INFO, app "dstart".
  Logger();
  explicit Logger(Options options);

  // Copies share sink, level and clock; WithFields adds fields printed on every line.
  Logger WithFields(LogFields fields) const;

  bool Enabled(LogLevel level) const;
  LogLevel level() const;
  void SetLevel(LogLevel level);

  // Formats and writes one line. `file` is printed as given (the macros pass a basename).
  void Log(LogLevel level, const char* file, int line, std::string_view msg,
           std::initializer_list<LogField> fields = {}) const;
  void Log(LogLevel level, const char* file, int line, std::string_view msg,
           const LogFields& fields) const;

  // The line Log would write (with '\n'), for tests and for callers that batch.
  std::string Format(LogLevel level, const char* file, int line, std::string_view msg,
                     const LogField* fields, size_t n) const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  LogFields context_;
};

// logfmt-quotes `value` when it needs it (see the top of this file); `always` forces quotes.
std::string LogfmtValue(std::string_view value, bool always = false);

namespace log_internal {
constexpr const char* Basename(const char* path) {
  const char* base = path;
  for (const char* p = path; *p; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}
}  // namespace log_internal

}  // namespace dstart::common

// DSTART_LOG_INFO(logger, "message");
// DSTART_LOG_INFO(logger, "message", {{"key", "value"}, {"port", 59841}});
// `logger` is a Logger (or a reference to one); arguments are evaluated only when enabled.
#define DSTART_LOG_AT_(logger, lvl, ...)                                                    \
  do {                                                                                      \
    const ::dstart::common::Logger& dstart_logger_ = (logger);                              \
    if (dstart_logger_.Enabled(lvl)) {                                                      \
      dstart_logger_.Log(lvl, ::dstart::common::log_internal::Basename(__FILE__), __LINE__, \
                         __VA_ARGS__);                                                      \
    }                                                                                       \
  } while (0)
#define DSTART_LOG_TRACE(logger, ...) \
  DSTART_LOG_AT_(logger, ::dstart::common::LogLevel::kTrace, __VA_ARGS__)
#define DSTART_LOG_DEBUG(logger, ...) \
  DSTART_LOG_AT_(logger, ::dstart::common::LogLevel::kDebug, __VA_ARGS__)
#define DSTART_LOG_INFO(logger, ...) \
  DSTART_LOG_AT_(logger, ::dstart::common::LogLevel::kInfo, __VA_ARGS__)
#define DSTART_LOG_WARN(logger, ...) \
  DSTART_LOG_AT_(logger, ::dstart::common::LogLevel::kWarn, __VA_ARGS__)
#define DSTART_LOG_ERROR(logger, ...) \
  DSTART_LOG_AT_(logger, ::dstart::common::LogLevel::kError, __VA_ARGS__)

#endif  // DSTART_COMMON_LOG_H_
