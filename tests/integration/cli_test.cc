// The dstart binary's front door: help, version, argv[0] dispatch and the honest `up`.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.h"

namespace dstart::testing {
namespace {

using ::testing::HasSubstr;

TEST(Cli, VersionPrintsTheVersion) {
  auto r = RunCommand({DstartBinary(), "version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::MatchesRegex("dstart [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST(Cli, HelpListsEveryComponent) {
  auto r = RunCommand({DstartBinary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* c : {"server", "agent", "token-provider", "secretstore", "up", "version"}) {
    EXPECT_THAT(r.out, HasSubstr(std::string("  ") + c + " ")) << c;
  }
}

TEST(Cli, UnknownCommandIsAnErrorThatNamesIt) {
  auto r = RunCommand({DstartBinary(), "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown command \"frobnicate\""));
}

TEST(Cli, NoArgumentsPrintsUsageAndFails) {
  auto r = RunCommand({DstartBinary()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("Usage: dstart"));
}

// Links named spire-server / spire-agent behave as the matching subcommand.
TEST(Cli, DispatchesOnArgv0) {
  TempDir dir;
  for (const auto& [link, sub] : {std::pair{"spire-server", "server"}, {"spire-agent", "agent"}}) {
    auto path = dir / link;
    ASSERT_EQ(symlink(DstartBinary().c_str(), path.c_str()), 0);
    auto via_link = RunCommand({path.string(), "--help"});
    auto direct = RunCommand({DstartBinary(), sub, "--help"});
    EXPECT_EQ(via_link.exit_code, direct.exit_code) << link;
    EXPECT_EQ(via_link.out, direct.out) << link;
    EXPECT_EQ(via_link.err, direct.err) << link;
    EXPECT_THAT(via_link.out + via_link.err, ::testing::Not(HasSubstr("unknown command"))) << link;
  }
}

TEST(Cli, UpRefusesUnknownGoal) {
  auto r = RunCommand({DstartBinary(), "up", "everything"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("supported goal is: delayed-start"));
}

}  // namespace
}  // namespace dstart::testing
