#include "common/duration.h"

#include <gtest/gtest.h>

namespace dstart::common {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(Duration, ParsesGoForms) {
  struct Case {
    const char* in;
    nanoseconds want;
  } cases[] = {
      {"0", nanoseconds(0)},
      {"-0", nanoseconds(0)},
      {"+0", nanoseconds(0)},
      {"0s", nanoseconds(0)},
      {"1h", hours(1)},
      {"30m0s", minutes(30)},
      {"1h30m", minutes(90)},
      {"1.5h", minutes(90)},
      {"300ms", milliseconds(300)},
      {"2h45m0.5s", hours(2) + minutes(45) + milliseconds(500)},
      {"-5m", -minutes(5)},
      {"+5m", minutes(5)},
      {"1ns", nanoseconds(1)},
      {"1us", microseconds(1)},
      {"1\xC2\xB5s", microseconds(1)},  // U+00B5 micro sign
      {"1\xCE\xBCs", microseconds(1)},  // U+03BC Greek mu
      {"1.s", seconds(1)},
      {".5s", milliseconds(500)},
      {"1.0000000001s", seconds(1)},  // precision past ns is dropped
      {"100.00100s", seconds(100) + milliseconds(1)},
      {"3h2m1s4ms5us6ns",
       hours(3) + minutes(2) + seconds(1) + milliseconds(4) + microseconds(5) + nanoseconds(6)},
      {"24h", hours(24)},
      {"9223372036854775807ns", nanoseconds(INT64_MAX)},
      {"-9223372036854775808ns", nanoseconds(INT64_MIN)},
      {"0.3333333333333333333h", nanoseconds(1200000000000)},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.status();
    EXPECT_EQ(d->count(), c.want.count()) << c.in;
  }
}

TEST(Duration, RefusesBadInputNamingIt) {
  struct Case {
    const char* in;
    const char* message;
  } cases[] = {
      {"", "invalid duration \"\""},
      {"-", "invalid duration \"-\""},
      {"1", "invalid duration \"1\": missing unit"},
      {"5", "invalid duration \"5\": missing unit"},
      {"1x", "invalid duration \"1x\": unknown unit \"x\""},
      {"1hour", "invalid duration \"1hour\": unknown unit \"hour\""},
      {"1H", "invalid duration \"1H\": unknown unit \"H\""},
      {"h", "invalid duration \"h\""},
      {".s", "invalid duration \".s\""},
      {"1h 30m", "invalid duration \"1h 30m\": unknown unit \"h \""},
      {" 1h", "invalid duration \" 1h\""},
      {"--1h", "invalid duration \"--1h\""},
      {"9223372036854775808ns", "invalid duration \"9223372036854775808ns\": out of range"},
      {"99999999999999999999h", "invalid duration \"99999999999999999999h\": out of range"},
      {"3000000h", "invalid duration \"3000000h\": out of range"},
      {"1e3s", "invalid duration \"1e3s\": unknown unit \"e\""},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.in);
    ASSERT_FALSE(d.ok()) << c.in << " parsed as " << d->count();
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(d.status().message()), c.message) << c.in;
  }
}

TEST(Duration, FormatsExactlyLikeGo) {
  struct Case {
    nanoseconds in;
    const char* want;
  } cases[] = {
      {nanoseconds(0), "0s"},
      {hours(1), "1h0m0s"},
      {minutes(30), "30m0s"},
      {minutes(5), "5m0s"},
      {-minutes(5), "-5m0s"},
      {milliseconds(1500), "1.5s"},
      {milliseconds(300), "300ms"},
      {nanoseconds(1), "1ns"},
      {nanoseconds(999), "999ns"},
      {microseconds(1), "1\xC2\xB5s"},
      {nanoseconds(1100), "1.1\xC2\xB5s"},
      {nanoseconds(2200000), "2.2ms"},
      {seconds(1), "1s"},
      {nanoseconds(1000000001), "1.000000001s"},
      {hours(2) + minutes(45) + milliseconds(500), "2h45m0.5s"},
      {hours(24), "24h0m0s"},
      {seconds(61), "1m1s"},
      {nanoseconds(INT64_MAX), "2562047h47m16.854775807s"},
      {nanoseconds(INT64_MIN), "-2562047h47m16.854775808s"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatDuration(c.in), c.want) << c.in.count();
}

TEST(Duration, RoundTrips) {
  for (int64_t ns :
       {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1000}, int64_t{1234567},
        int64_t{3600000000000}, int64_t{5400000000001}, -int64_t{42}, INT64_MAX, INT64_MIN}) {
    auto back = ParseDuration(FormatDuration(nanoseconds(ns)));
    ASSERT_TRUE(back.ok()) << ns;
    EXPECT_EQ(back->count(), ns);
  }
}

}  // namespace
}  // namespace dstart::common
