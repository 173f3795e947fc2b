#include "common/clock.h"

#include <fmt/format.h>
#include <time.h>

namespace dstart::common {
namespace {

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// Splits t into whole seconds (floored) and nanoseconds in [0, 1e9).
void Split(TimePoint t, time_t* secs, int64_t* nanos) {
  int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t s = ns / 1000000000;
  int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --s;
  }
  *secs = static_cast<time_t>(s);
  *nanos = frac;
}

std::string Seconds(time_t secs) {
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

const Clock& Clock::Real() {
  static const SystemClock* clock = new SystemClock();
  return *clock;
}

std::string FormatRfc3339Nano(TimePoint t) {
  time_t secs;
  int64_t nanos;
  Split(t, &secs, &nanos);
  std::string out = Seconds(secs);
  if (nanos != 0) {
    std::string frac = fmt::format("{:09d}", nanos);
    while (frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
  out += 'Z';
  return out;
}

std::string FormatRfc3339(TimePoint t) {
  time_t secs;
  int64_t nanos;
  Split(t, &secs, &nanos);
  return Seconds(secs) + "Z";
}

}  // namespace dstart::common
