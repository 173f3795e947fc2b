#include "server/cli/flags.h"

#include <gtest/gtest.h>

namespace dstart::server::cli {
namespace {

TEST(FlagSetTest, ParsesGoStyleFlags) {
  FlagSet f;
  std::string s;
  std::vector<std::string> list;
  int64_t n = 0;
  bool b = false, c = true;
  f.String("spiffeID", &s, "");
  f.StringList("selector", &list, "");
  f.Int("ttl", &n, "");
  f.Bool("admin", &b, "");
  f.Bool("other", &c, "");
  auto rest = f.Parse({"-spiffeID", "spiffe://x/y", "--selector=a:b", "-selector", "c:d:e",
                       "-ttl=42", "-admin", "-other=false", "tail", "-ignored"});
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(s, "spiffe://x/y");
  EXPECT_EQ(list, (std::vector<std::string>{"a:b", "c:d:e"}));
  EXPECT_EQ(n, 42);
  EXPECT_TRUE(b);
  EXPECT_FALSE(c);
  EXPECT_TRUE(f.IsSet("ttl"));
  EXPECT_EQ(*rest, (std::vector<std::string>{"tail", "-ignored"}));
}

TEST(FlagSetTest, ErrorsReadLikeGo) {
  FlagSet f;
  int64_t n = 0;
  std::string s;
  bool b = false;
  f.Int("ttl", &n, "");
  f.String("s", &s, "");
  f.Bool("b", &b, "");
  EXPECT_EQ(f.Parse({"-nope"}).status().message(), "flag provided but not defined: -nope");
  EXPECT_EQ(f.Parse({"-ttl", "abc"}).status().message(),
            "invalid value \"abc\" for flag -ttl: parse error");
  EXPECT_EQ(f.Parse({"-s"}).status().message(), "flag needs an argument: -s");
  EXPECT_FALSE(f.Parse({"-b=maybe"}).ok());
  EXPECT_TRUE(absl::IsNotFound(f.Parse({"-h"}).status()));
}

}  // namespace
}  // namespace dstart::server::cli
