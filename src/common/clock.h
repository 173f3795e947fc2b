// The clock seam: code that needs the wall-clock time asks a Clock, so tests can hand it a
// FakeClock and move time by hand instead of sleeping.
//
// Thread-safety: every method of both implementations may be called from any thread.
#ifndef DSTART_COMMON_CLOCK_H_
#define DSTART_COMMON_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace dstart::common {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current wall-clock time (UTC, nanosecond resolution where the system offers it).
  virtual TimePoint Now() const = 0;

  // The process-wide system clock. Never null; lives for the whole process.
  static const Clock& Real();
};

// A clock that stands still until told to move. Starts at `start` (default: the Unix epoch).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{}) : ns_(ToNs(start)) {}
  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(ns_.load())); }
  void Set(TimePoint t) { ns_.store(ToNs(t)); }
  void Advance(std::chrono::nanoseconds d) { ns_.fetch_add(d.count()); }

 private:
  static int64_t ToNs(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> ns_;
};

// Go's time.RFC3339Nano in UTC: "2023-04-04T01:10:04.805777526Z", trailing zeros of the fraction
// dropped and the dot too when the fraction is zero ("2023-04-04T01:10:04Z").
std::string FormatRfc3339Nano(TimePoint t);
// Go's time.RFC3339 in UTC, whole seconds: "2023-04-04T21:51:58Z".
std::string FormatRfc3339(TimePoint t);

}  // namespace dstart::common

#endif  // DSTART_COMMON_CLOCK_H_
