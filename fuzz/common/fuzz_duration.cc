// ParseDuration must never crash; what it accepts formats to text that parses to the same value,
// and every int64 formats to text that parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "common/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dstart::common;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = ParseDuration(text);
  if (d.ok()) {
    auto back = ParseDuration(FormatDuration(*d));
    if (!back.ok() || *back != *d) std::abort();
  } else if (std::string(d.status().message()).rfind("invalid duration \"", 0) != 0) {
    std::abort();
  }
  if (size >= 8) {
    int64_t ns;
    std::memcpy(&ns, data, 8);
    auto again = ParseDuration(FormatDuration(std::chrono::nanoseconds(ns)));
    if (!again.ok() || again->count() != ns) std::abort();
  }
  return 0;
}
