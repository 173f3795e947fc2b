// Follows Go's time.ParseDuration and Duration.String (src/time/format.go) rule for rule.
#include "common/duration.h"

#include <fmt/format.h>

#include "common/quote.h"

namespace dstart::common {
namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |math.MinInt64|

absl::Status Invalid(std::string_view orig, std::string_view why = {}) {
  if (why.empty())
    return absl::InvalidArgumentError(fmt::format("invalid duration {}", GoQuote(orig)));
  return absl::InvalidArgumentError(fmt::format("invalid duration {}: {}", GoQuote(orig), why));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Consumes leading digits into *x; false on overflow past 2^63.
bool LeadingInt(std::string_view* s, uint64_t* x) {
  size_t i = 0;
  *x = 0;
  for (; i < s->size() && IsDigit((*s)[i]); ++i) {
    if (*x > kMaxMagnitude / 10) return false;
    *x = *x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (*x > kMaxMagnitude) return false;
  }
  s->remove_prefix(i);
  return true;
}

// Consumes leading digits of a fraction; digits past what fits are dropped (as Go does).
void LeadingFraction(std::string_view* s, uint64_t* x, double* scale) {
  size_t i = 0;
  *x = 0;
  *scale = 1;
  bool overflow = false;
  for (; i < s->size() && IsDigit((*s)[i]); ++i) {
    if (overflow) continue;
    if (*x > (kMaxMagnitude - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t y = *x * 10 + static_cast<uint64_t>((*s)[i] - '0');
    if (y > kMaxMagnitude) {
      overflow = true;
      continue;
    }
    *x = y;
    *scale *= 10;
  }
  s->remove_prefix(i);
}

uint64_t UnitNanos(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1000;
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000;
  if (u == "m") return uint64_t{60} * 1000000000;
  if (u == "h") return uint64_t{3600} * 1000000000;
  return 0;
}

// Writes the fraction v/10^prec without trailing zeros (and without '.' when zero) to the
// front of *out; returns v/10^prec.
uint64_t PrependFrac(std::string* out, uint64_t v, int prec) {
  std::string frac;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) out->insert(0, "." + frac);
  return v;
}

void PrependInt(std::string* out, uint64_t v) { out->insert(0, std::to_string(v)); }

}  // namespace

absl::StatusOr<std::chrono::nanoseconds> ParseDuration(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Invalid(orig);
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return Invalid(orig);
    size_t before = s.size();
    uint64_t v = 0;
    if (!LeadingInt(&s, &v)) return Invalid(orig, "out of range");
    bool pre = before != s.size();
    bool post = false;
    uint64_t f = 0;
    double scale = 1;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t fb = s.size();
      LeadingFraction(&s, &f, &scale);
      post = fb != s.size();
    }
    if (!pre && !post) return Invalid(orig);
    size_t i = 0;
    while (i < s.size() && !(s[i] == '.' || IsDigit(s[i]))) ++i;
    if (i == 0) return Invalid(orig, "missing unit");
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    uint64_t unit = UnitNanos(u);
    if (unit == 0) return Invalid(orig, fmt::format("unknown unit {}", GoQuote(u)));
    if (v > kMaxMagnitude / unit) return Invalid(orig, "out of range");
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMaxMagnitude) return Invalid(orig, "out of range");
    }
    d += v;
    if (d > kMaxMagnitude) return Invalid(orig, "out of range");
  }
  if (neg) return std::chrono::nanoseconds(static_cast<int64_t>(-d));
  if (d > kMaxMagnitude - 1) return Invalid(orig, "out of range");
  return std::chrono::nanoseconds(static_cast<int64_t>(d));
}

std::string FormatDuration(std::chrono::nanoseconds dur) {
  int64_t d = dur.count();
  bool neg = d < 0;
  uint64_t u = static_cast<uint64_t>(d);
  if (neg) u = -u;
  std::string out;
  if (u < 1000000000) {
    int prec;
    if (u == 0) return "0s";
    if (u < 1000) {
      prec = 0;
      out = "ns";
    } else if (u < 1000000) {
      prec = 3;
      out = "\xC2\xB5s";
    } else {
      prec = 6;
      out = "ms";
    }
    u = PrependFrac(&out, u, prec);
    PrependInt(&out, u);
  } else {
    out = "s";
    u = PrependFrac(&out, u, 9);
    PrependInt(&out, u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(0, "m");
      PrependInt(&out, u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(0, "h");
        PrependInt(&out, u);
      }
    }
  }
  if (neg) out.insert(0, "-");
  return out;
}

}  // namespace dstart::common
