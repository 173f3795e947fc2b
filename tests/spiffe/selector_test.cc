#include "spiffe/selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dstart::spiffe {
namespace {

using ::testing::HasSubstr;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

SelectorSet Set(std::initializer_list<const char*> texts) {
  SelectorSet set;
  for (const char* t : texts) set.insert(Selector::Parse(t).value());
  return set;
}

TEST(SelectorTest, SplitsAtFirstColon) {
  auto s = Selector::Parse("unix:uid:1000");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, "unix");
  EXPECT_EQ(s->value, "uid:1000");
  EXPECT_EQ(s->String(), "unix:uid:1000");

  auto d = Selector::Parse("docker:label:com.docker.compose.service:edgex-core-data");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->type, "docker");
  EXPECT_EQ(d->value, "label:com.docker.compose.service:edgex-core-data");

  auto trailing = Selector::Parse("x509pop:subject:cn:");
  ASSERT_TRUE(trailing.ok());  // The value "subject:cn:" is non-empty.
  EXPECT_EQ(trailing->value, "subject:cn:");
}

TEST(SelectorTest, Refusals) {
  EXPECT_THAT(Message(Selector::Parse("").status()), HasSubstr("no ':' found"));
  EXPECT_THAT(Message(Selector::Parse("unix").status()), HasSubstr("no ':' found"));
  EXPECT_THAT(Message(Selector::Parse(":uid:0").status()),
              HasSubstr("type (before the first ':') is empty"));
  EXPECT_THAT(Message(Selector::Parse("unix:").status()),
              HasSubstr("value (after the first ':') is empty"));
  EXPECT_THAT(Message(Selector::Parse(":").status()), HasSubstr("type"));
  EXPECT_THAT(Message(Selector::Make("", "x").status()), HasSubstr("type is empty"));
  EXPECT_THAT(Message(Selector::Make("a:b", "x").status()), HasSubstr("cannot contain ':'"));
  EXPECT_THAT(Message(Selector::Make("unix", "").status()), HasSubstr("value is empty"));
  EXPECT_EQ(Selector::Make("unix", "uid:0").value(), Selector::Parse("unix:uid:0").value());
}

TEST(SelectorTest, Ordering) {
  SelectorSet set = Set({"unix:uid:0", "docker:image_id:x", "unix:gid:0", "unix:uid:0"});
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.begin()->String(), "docker:image_id:x");
}

TEST(MatchTest, ParseBehavior) {
  EXPECT_EQ(ParseMatchBehavior("exact").value(), MatchBehavior::kExact);
  EXPECT_EQ(ParseMatchBehavior("superset").value(), MatchBehavior::kSuperset);
  EXPECT_EQ(ParseMatchBehavior("subset").value(), MatchBehavior::kSubset);
  EXPECT_EQ(ParseMatchBehavior("any").value(), MatchBehavior::kAny);
  EXPECT_THAT(Message(ParseMatchBehavior("Exact").status()),
              HasSubstr("unsupported match behavior \"Exact\""));
  for (auto b : {MatchBehavior::kExact, MatchBehavior::kSuperset, MatchBehavior::kSubset,
                 MatchBehavior::kAny}) {
    EXPECT_EQ(ParseMatchBehavior(MatchBehaviorName(b)).value(), b);
  }
}

TEST(MatchTest, Semantics) {
  SelectorSet entry = Set({"unix:uid:1000", "unix:gid:1000"});
  SelectorSet same = Set({"unix:gid:1000", "unix:uid:1000"});
  SelectorSet fewer = Set({"unix:uid:1000"});
  SelectorSet more = Set({"unix:uid:1000", "unix:gid:1000", "unix:user:edgex"});
  SelectorSet overlap = Set({"unix:uid:1000", "unix:user:edgex"});
  SelectorSet disjoint = Set({"unix:uid:0"});

  struct Row {
    const SelectorSet* given;
    bool exact, superset, subset, any;
  } rows[] = {
      {&same, true, true, true, true},       {&fewer, false, true, false, true},  // entry ⊇ given
      {&more, false, false, true, true},                                          // entry ⊆ given
      {&overlap, false, false, false, true}, {&disjoint, false, false, false, false},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(MatchSelectors(entry, *r.given, MatchBehavior::kExact), r.exact);
    EXPECT_EQ(MatchSelectors(entry, *r.given, MatchBehavior::kSuperset), r.superset);
    EXPECT_EQ(MatchSelectors(entry, *r.given, MatchBehavior::kSubset), r.subset);
    EXPECT_EQ(MatchSelectors(entry, *r.given, MatchBehavior::kAny), r.any);
  }
  // Values are compared as whole strings: no prefix matching.
  EXPECT_FALSE(MatchSelectors(Set({"unix:uid:10"}), Set({"unix:uid:1000"}), MatchBehavior::kAny));
}

TEST(MatchTest, WorkloadMatching) {
  SelectorSet workload = Set({"unix:uid:1000", "unix:gid:1000", "unix:path:/usr/bin/svc"});
  EXPECT_TRUE(EntryMatchesWorkload(Set({"unix:uid:1000"}), workload));
  EXPECT_TRUE(EntryMatchesWorkload(Set({"unix:uid:1000", "unix:gid:1000"}), workload));
  EXPECT_FALSE(EntryMatchesWorkload(Set({"unix:uid:1000", "unix:gid:0"}), workload));
  EXPECT_FALSE(EntryMatchesWorkload(SelectorSet{}, workload));
}

}  // namespace
}  // namespace dstart::spiffe
