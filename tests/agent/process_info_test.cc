#include "agent/workloadattestor/process_info.h"

#include <unistd.h>

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::agent::workloadattestor {
namespace {

constexpr char kStatus[] =
    "Name:\tdevice-virtual\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t87411\nPid:\t87411\n"
    "PPid:\t1\nUid:\t2002\t2003\t2004\t2005\nGid:\t2001\t2006\t2001\t2001\nFDSize:\t64\n"
    "Groups:\t4 24 27 \nVmPeak:\t  723004 kB\n";

TEST(ParseProcStatus, ReadsIdsAndEffectiveIds) {
  auto s = ParseProcStatus(kStatus);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name, "device-virtual");
  EXPECT_THAT(s->uids, ::testing::ElementsAre(2002, 2003, 2004, 2005));
  EXPECT_EQ(s->EffectiveUid(), 2003u);
  EXPECT_EQ(s->EffectiveGid(), 2006u);
  EXPECT_THAT(s->groups, ::testing::ElementsAre(4, 24, 27));
}

TEST(ParseProcStatus, SingleIdIsEffective) {
  auto s = ParseProcStatus("Uid:\t7\nGid:\t8\nGroups:\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->EffectiveUid(), 7u);
  EXPECT_EQ(s->EffectiveGid(), 8u);
  EXPECT_TRUE(s->groups.empty());
}

TEST(ParseProcStatus, RefusesMissingAndMalformedLines) {
  EXPECT_THAT(std::string(ParseProcStatus("Gid:\t1\n").status().message()),
              ::testing::HasSubstr("no Uid line"));
  EXPECT_THAT(std::string(ParseProcStatus("Uid:\t1\n").status().message()),
              ::testing::HasSubstr("no Gid line"));
  auto bad = ParseProcStatus("Uid:\t1\tx2\nGid:\t1\n");
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::AllOf(::testing::HasSubstr("line 1"), ::testing::HasSubstr("x2")));
  EXPECT_FALSE(ParseProcStatus("Uid:\t-1\nGid:\t1\n").ok());
  EXPECT_FALSE(ParseProcStatus("Uid:\t99999999999\nGid:\t1\n").ok());
  EXPECT_FALSE(ParseProcStatus("Uid:\t1 2 3 4 5\nGid:\t1\n").ok());
  EXPECT_FALSE(ParseProcStatus("Uid:\t\nGid:\t1\n").ok());
  EXPECT_FALSE(ParseProcStatus("Uid:\t1\nUid:\t2\nGid:\t1\n").ok());
  EXPECT_FALSE(ParseProcStatus("Uid:\t1\nGid:\t1\nGroups:\t1 a\n").ok());
}

TEST(ParseProcStatStartTime, SkipsCommandNamesWithSpacesAndParens) {
  std::string stat =
      "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 "
      "10 18446744073709551615";
  auto t = ParseProcStatStartTime(stat);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, 987654u);
  EXPECT_FALSE(ParseProcStatStartTime("1234 no parens").ok());
  EXPECT_FALSE(ParseProcStatStartTime("1 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStatStartTime(
                   "1 (x) S 1 1 1 0 -1 1 1 0 0 0 1 2 0 0 20 0 1 0 zz 1000")
                   .ok());
}

TEST(RealProcessInfo, ReadsThisProcess) {
  RealProcessInfo proc("/proc");
  auto s = proc.Status(getpid());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->EffectiveUid(), geteuid());
  EXPECT_EQ(s->EffectiveGid(), getegid());
  auto exe = proc.ExePath(getpid());
  ASSERT_TRUE(exe.ok()) << exe.status();
  EXPECT_EQ(*exe, std::filesystem::read_symlink("/proc/self/exe").string());
  auto fd = proc.OpenExe(getpid());
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(fd->valid());
  EXPECT_TRUE(proc.Cgroup(getpid()).ok());
  EXPECT_EQ(proc.UserName(0).value_or(""), "root");
  EXPECT_EQ(proc.GroupName(0).value_or(""), "root");
  EXPECT_FALSE(proc.UserName(4000000000u).has_value());
}

TEST(RealProcessInfo, MissingProcessIsNotFound) {
  RealProcessInfo proc("/proc");
  EXPECT_EQ(proc.Status(999999999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(proc.ExePath(999999999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(proc.OpenExe(999999999).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace dstart::agent::workloadattestor
