// Go-style durations (time.ParseDuration / time.Duration.String), the form SPIRE and EdgeX
// configs use: "1h", "30m0s", "1h30m", "1.5h", "300ms", "-5m", "0".
#ifndef DSTART_COMMON_DURATION_H_
#define DSTART_COMMON_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dstart::common {

// Parses a signed sequence of decimal numbers, each with an optional fraction and a unit
// ("ns", "us", "µs", "μs", "ms", "s", "m", "h"); "0" alone needs no unit. Errors (InvalidArgument)
// quote the input, e.g. `invalid duration "1x": unknown unit "x"`. Overflow beyond ±292 years
// is an error, as in Go.
absl::StatusOr<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Exactly Go's Duration.String(): "1h0m0s", "30m0s", "1.5s", "300ms", "1µs", "0s".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace dstart::common

#endif  // DSTART_COMMON_DURATION_H_
