#include "agent/cli/explain.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::agent::cli {
namespace {

spiffe::SelectorSet Set(std::initializer_list<const char*> items) {
  spiffe::SelectorSet out;
  for (const char* s : items) out.insert(*spiffe::Selector::Parse(s));
  return out;
}

TEST(Explain, NamesTheMissingSelectorsOfEveryEntry) {
  auto workload = Set({"unix:uid:2002", "unix:path:/device-virtual",
                       "docker:label:com.docker.compose.service:device-virtual"});
  std::vector<ExplainEntry> entries = {
      {"e2", "spiffe://edgexfoundry.org/service/app-http-export",
       Set({"docker:label:com.docker.compose.service:app-http-export"})},
      {"e1", "spiffe://edgexfoundry.org/service/device-virtual",
       Set({"docker:label:com.docker.compose.service:device-virtual"})},
      {"e3", "spiffe://edgexfoundry.org/service/empty", {}},
  };
  auto verdicts = ExplainSelectors(workload, entries);
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_TRUE(verdicts[0].matches);
  EXPECT_EQ(verdicts[0].entry.entry_id, "e1");
  EXPECT_FALSE(verdicts[1].matches);
  EXPECT_EQ(verdicts[1].missing,
            Set({"docker:label:com.docker.compose.service:app-http-export"}));
  EXPECT_FALSE(verdicts[2].matches);  // An entry without selectors matches nothing.
  std::string text = FormatExplain(87411, workload, verdicts);
  EXPECT_THAT(text, ::testing::StartsWith("Process 87411 has selectors:\n"
                                          "  docker:label:com.docker.compose.service:device-virtual\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "Matching entries: 1\n  e1 spiffe://edgexfoundry.org/service/device-virtual\n"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "  e2 spiffe://edgexfoundry.org/service/app-http-export missing: "
                        "docker:label:com.docker.compose.service:app-http-export\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("e3 spiffe://edgexfoundry.org/service/empty missing: (the "
                                         "entry has no selectors)"));
}

TEST(Explain, NoMatchSaysSo) {
  auto text = FormatExplain(1, {}, ExplainSelectors({}, {{"e", "spiffe://td/x", Set({"unix:uid:1"})}}));
  EXPECT_THAT(text, ::testing::HasSubstr("  (none)\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("No identity would be issued to this process.\n"));
}

}  // namespace
}  // namespace dstart::agent::cli
