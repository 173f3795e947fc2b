// Conformance of SpiffeId / TrustDomain with spec/spiffe.md §1.
#include "spiffe/id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <unordered_map>
#include <unordered_set>

#include "absl/container/flat_hash_set.h"

namespace dstart::spiffe {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

struct ValidCase {
  std::string text;
  std::string td;
  std::string path;
  friend void PrintTo(const ValidCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }
};

class ValidIdTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidIdTest, Parses) {
  const ValidCase& c = GetParam();
  auto id = SpiffeId::FromString(c.text);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->GetTrustDomain().Name(), c.td);
  EXPECT_EQ(id->Path(), c.path);
  EXPECT_EQ(id->String(), c.text);
  EXPECT_EQ(id->IsRoot(), c.path.empty());
}

// Every valid example of §1.2, plus the edge cases §1.1 spells out.
INSTANTIATE_TEST_SUITE_P(Spec, ValidIdTest,
                         ::testing::Values(ValidCase{"spiffe://example.org", "example.org", ""},
                                           ValidCase{"spiffe://example.org/ns/prod/sa/web",
                                                     "example.org", "/ns/prod/sa/web"},
                                           ValidCase{"spiffe://10.0.0.1/x", "10.0.0.1", "/x"},
                                           ValidCase{"spiffe://td/.hidden", "td", "/.hidden"},
                                           ValidCase{"spiffe://my_td-1.local/A/b_C",
                                                     "my_td-1.local", "/A/b_C"},
                                           ValidCase{"spiffe://td/..a", "td", "/..a"},
                                           ValidCase{"spiffe://td/...", "td", "/..."},
                                           ValidCase{"spiffe://td/a.", "td", "/a."},
                                           ValidCase{"spiffe://edgexfoundry.org/service/core-data",
                                                     "edgexfoundry.org", "/service/core-data"}));

struct InvalidCase {
  std::string text;
  std::string error;  // A substring the error must contain.
  friend void PrintTo(const InvalidCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }
};

class InvalidIdTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidIdTest, RefusedWithReason) {
  const InvalidCase& c = GetParam();
  auto id = SpiffeId::FromString(c.text);
  ASSERT_FALSE(id.ok()) << c.text << " was accepted";
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(id.status()), HasSubstr(c.error)) << c.text;
  // A trust domain parsed from the same string refuses it too.
  if (c.text.find(":/") != std::string::npos) {
    EXPECT_FALSE(TrustDomain::FromString(c.text).ok()) << c.text;
  }
}

// Every invalid example of §1.2, plus the other rules of §1.1.
INSTANTIATE_TEST_SUITE_P(
    Spec, InvalidIdTest,
    ::testing::Values(
        InvalidCase{"", "cannot be empty"},
        InvalidCase{"SPIFFE://example.org/a", "scheme is missing or invalid"},
        InvalidCase{"Spiffe://example.org/a", "scheme is missing or invalid"},
        InvalidCase{"http://example.org/a", "scheme is missing or invalid"},
        InvalidCase{"spiffe:/example.org/a", "scheme is missing or invalid"},
        InvalidCase{"example.org/a", "scheme is missing or invalid"},
        InvalidCase{"spiffe://Example.org/a", "trust domain must be lowercase ('E' at byte 9)"},
        InvalidCase{"spiffe://EXAMPLE.ORG", "trust domain must be lowercase"},
        InvalidCase{"spiffe://example.org:443/a",
                    "trust domain cannot contain a port (':' at byte 20)"},
        InvalidCase{"spiffe://u@example.org/a",
                    "trust domain cannot contain userinfo ('@' at byte 10)"},
        InvalidCase{"spiffe://example.org/a?x=1", "a query is not allowed ('?' at byte 22)"},
        InvalidCase{"spiffe://example.org?x=1", "a query is not allowed ('?' at byte 20)"},
        InvalidCase{"spiffe://example.org/a#f", "a fragment is not allowed ('#' at byte 22)"},
        InvalidCase{"spiffe://example.org#f", "a fragment is not allowed"},
        InvalidCase{"spiffe://example.org/", "path cannot have a trailing slash (byte 20)"},
        InvalidCase{"spiffe://example.org/a/", "path cannot have a trailing slash (byte 22)"},
        InvalidCase{"spiffe://example.org//a", "path cannot contain empty segments"},
        InvalidCase{"spiffe://example.org/a//b", "path cannot contain empty segments"},
        InvalidCase{"spiffe://example.org/a/../b", "path cannot contain dot segments (\"..\""},
        InvalidCase{"spiffe://example.org/./b", "path cannot contain dot segments (\".\""},
        InvalidCase{"spiffe://example.org/a/.", "path cannot contain dot segments"},
        InvalidCase{"spiffe://example.org/..", "path cannot contain dot segments"},
        InvalidCase{"spiffe://example.org/a%20b",
                    "percent-encoding is not allowed ('%' at byte 22)"},
        InvalidCase{"spiffe://ex%41mple.org/a", "percent-encoding is not allowed"},
        InvalidCase{"spiffe://[::1]/a", "trust domain characters are limited to lowercase letters"},
        InvalidCase{"spiffe:///a", "trust domain is missing"},
        InvalidCase{"spiffe://", "trust domain is missing"},
        InvalidCase{"spiffe://example.org/a b", "path segment characters are limited"},
        InvalidCase{"spiffe://example.org/a~b", "path segment characters are limited"},
        InvalidCase{"spiffe://example.org/a:b", "path segment characters are limited"},
        InvalidCase{"spiffe://example.org/caf\xc3\xa9", "and underscores (byte 0xc3 at byte 24)"},
        InvalidCase{"spiffe://ex\xc3\xa4mple.org/a", "trust domain characters are limited"},
        InvalidCase{"spiffe://exa mple.org", "trust domain characters are limited"}));

TEST(SpiffeIdTest, LengthLimitIs2048BytesWholeString) {
  // "spiffe://td/" is 12 bytes; fill the rest with one long segment.
  std::string at_limit = "spiffe://td/" + std::string(kMaxIdLength - 12, 'a');
  ASSERT_EQ(at_limit.size(), 2048u);
  auto ok = SpiffeId::FromString(at_limit);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->String().size(), 2048u);

  auto too_long = SpiffeId::FromString(at_limit + "b");
  ASSERT_FALSE(too_long.ok());
  EXPECT_THAT(Message(too_long.status()),
              HasSubstr("ID is 2049 bytes, longer than the 2048-byte limit"));
  // The message shows a bounded excerpt, not 2 KiB of input.
  EXPECT_LT(Message(too_long.status()).size(), 300u);
}

TEST(SpiffeIdTest, TrustDomainLimitIs255Bytes) {
  std::string td255(255, 'a');
  EXPECT_TRUE(SpiffeId::FromString("spiffe://" + td255 + "/x").ok());
  EXPECT_TRUE(TrustDomain::FromString(td255).ok());
  auto id = SpiffeId::FromString("spiffe://" + td255 + "a/x");
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(Message(id.status()),
              HasSubstr("trust domain is 256 bytes, longer than the 255-byte limit"));
  auto td = TrustDomain::FromString(td255 + "a");
  ASSERT_FALSE(td.ok());
  EXPECT_THAT(Message(td.status()), HasSubstr("255-byte limit"));
}

TEST(TrustDomainTest, BareNameOrId) {
  for (const char* text : {"example.org", "spiffe://example.org", "spiffe://example.org/x/y"}) {
    auto td = TrustDomain::FromString(text);
    ASSERT_TRUE(td.ok()) << text << ": " << td.status();
    EXPECT_EQ(td->Name(), "example.org");
    EXPECT_EQ(td->IdString(), "spiffe://example.org");
    EXPECT_EQ(td->Id().String(), "spiffe://example.org");
    EXPECT_TRUE(td->Id().IsRoot());
  }
}

TEST(TrustDomainTest, BareNameRefusals) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "trust domain is missing"},
      {"Example.org", "trust domain must be lowercase"},
      {"example.org:443", "trust domain cannot contain a port"},
      {"u@example.org", "trust domain cannot contain userinfo"},
      {"ex%41mple.org", "percent-encoding is not allowed"},
      {"example.org/a", "trust domain characters are limited"},
      {"[::1]", "trust domain characters are limited"},
      {"spiffe://example.org/", "trailing slash"},
  };
  for (const auto& c : cases) {
    auto td = TrustDomain::FromString(c.text);
    ASSERT_FALSE(td.ok()) << c.text;
    EXPECT_THAT(Message(td.status()), HasSubstr(c.error)) << c.text;
  }
}

TEST(SpiffeIdTest, FromSegmentsAndPath) {
  auto td = TrustDomain::FromString("edgexfoundry.org").value();
  auto id = SpiffeId::FromSegments(td, {"service", "core-data"});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->String(), "spiffe://edgexfoundry.org/service/core-data");
  EXPECT_EQ(SpiffeId::FromSegments(td, {}).value().String(), "spiffe://edgexfoundry.org");

  EXPECT_THAT(Message(SpiffeId::FromSegments(td, {"a", ""}).status()),
              HasSubstr("segment 1 (\"\"): path cannot contain empty segments"));
  EXPECT_THAT(Message(SpiffeId::FromSegments(td, {"a/b"}).status()),
              HasSubstr("cannot contain '/'"));
  EXPECT_THAT(Message(SpiffeId::FromSegments(td, {".."}).status()), HasSubstr("dot segments"));
  EXPECT_THAT(Message(SpiffeId::FromSegments(td, {"a?"}).status()),
              HasSubstr("a query is not allowed"));
  EXPECT_THAT(Message(SpiffeId::FromSegments(td, {std::string(3000, 'x')}).status()),
              HasSubstr("longer than the 2048-byte limit"));

  auto p = SpiffeId::FromPath(td, "/service/x");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, SpiffeId::FromString("spiffe://edgexfoundry.org/service/x").value());
  EXPECT_TRUE(SpiffeId::FromPath(td, "").value().IsRoot());
  EXPECT_THAT(Message(SpiffeId::FromPath(td, "service").status()),
              HasSubstr("path must start with '/'"));
  EXPECT_THAT(Message(SpiffeId::FromPath(td, "/a/").status()), HasSubstr("trailing slash"));
}

TEST(SpiffeIdTest, MemberOf) {
  auto id = SpiffeId::FromString("spiffe://example.org/a").value();
  EXPECT_TRUE(id.MemberOf(TrustDomain::FromString("example.org").value()));
  EXPECT_FALSE(id.MemberOf(TrustDomain::FromString("example.com").value()));
  EXPECT_FALSE(id.MemberOf(TrustDomain::FromString("sub.example.org").value()));
}

TEST(SpiffeIdTest, UsableAsKeys) {
  auto a = SpiffeId::FromString("spiffe://a.org/x").value();
  auto b = SpiffeId::FromString("spiffe://a.org/y").value();
  auto a2 = SpiffeId::FromString("spiffe://a.org/x").value();
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  std::map<SpiffeId, int> m{{a, 1}, {b, 2}};
  EXPECT_EQ(m.at(a2), 1);
  std::unordered_map<SpiffeId, int> um{{a, 1}, {b, 2}};
  EXPECT_EQ(um.at(a2), 1);
  absl::flat_hash_set<SpiffeId> hs{a, b, a2};
  EXPECT_EQ(hs.size(), 2u);

  auto t1 = TrustDomain::FromString("a.org").value();
  std::unordered_set<TrustDomain> tds{t1, a.GetTrustDomain(), b.GetTrustDomain()};
  EXPECT_EQ(tds.size(), 1u);
  absl::flat_hash_set<TrustDomain> tds2{t1, TrustDomain::FromString("b.org").value()};
  EXPECT_EQ(tds2.size(), 2u);
}

}  // namespace
}  // namespace dstart::spiffe
