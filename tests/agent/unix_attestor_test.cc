#include "agent/workloadattestor/unix/unix_attestor.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/hcl.h"
#include "fake_process_info.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"

namespace dstart::agent::workloadattestor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Strings(const std::vector<spiffe::Selector>& selectors) {
  std::vector<std::string> out;
  for (const auto& s : selectors) out.push_back(s.String());
  return out;
}

class UnixAttestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    exe_ = dir_ / "device-virtual";
    testing::WriteFile(exe_, "hello\n");
    proc_.processes[100] = {"Name:\tsvc\nUid:\t1000\t2002\t2002\t2002\nGid:\t1000\t2001\t2001\t2001\n"
                            "Groups:\t4 27\n",
                            exe_.string(), "", ""};
    proc_.users[2002] = "edgex";
    proc_.groups[2001] = "edgex";
    proc_.groups[27] = "sudo";
  }
  testing::TempDir dir_;
  std::filesystem::path exe_;
  FakeProcessInfo proc_;
};

TEST_F(UnixAttestorTest, IdsNamesAndSupplementaryGroups) {
  UnixAttestor attestor({}, proc_);
  auto got = attestor.Attest(100);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(Strings(*got),
              ElementsAre("unix:uid:2002", "unix:user:edgex", "unix:gid:2001", "unix:group:edgex",
                          "unix:supplementary_gid:4", "unix:supplementary_gid:27",
                          "unix:supplementary_group:sudo"));
}

TEST_F(UnixAttestorTest, UnresolvableNamesAreLeftOut) {
  proc_.users.clear();
  proc_.groups.clear();
  UnixAttestor attestor({}, proc_);
  auto got = attestor.Attest(100);
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(Strings(*got), ElementsAre("unix:uid:2002", "unix:gid:2001",
                                         "unix:supplementary_gid:4", "unix:supplementary_gid:27"));
}

TEST_F(UnixAttestorTest, PathAndSha256WithDiscoverWorkloadPath) {
  UnixAttestor attestor({.discover_workload_path = true}, proc_);
  auto got = attestor.Attest(100);
  ASSERT_TRUE(got.ok()) << got.status();
  auto s = Strings(*got);
  // sha256("hello\n")
  EXPECT_EQ(s[s.size() - 2], "unix:path:" + exe_.string());
  EXPECT_EQ(s.back(),
            "unix:sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

TEST_F(UnixAttestorTest, HashIsCachedByFileIdentityAndRecomputedWhenTheFileChanges) {
  UnixAttestor attestor({.discover_workload_path = true}, proc_);
  ASSERT_TRUE(attestor.Attest(100).ok());
  ASSERT_TRUE(attestor.Attest(100).ok());
  EXPECT_EQ(attestor.hashes_computed(), 1u);
  {
    std::ofstream out(exe_, std::ios::app);
    out << "more";
  }
  auto got = attestor.Attest(100);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(attestor.hashes_computed(), 2u);
  EXPECT_NE(Strings(*got).back(),
            "unix:sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

TEST_F(UnixAttestorTest, SizeLimit) {
  UnixAttestor limited({.discover_workload_path = true, .workload_size_limit = 3}, proc_);
  auto got = limited.Attest(100);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("workload_size_limit 3"));

  UnixAttestor enough({.discover_workload_path = true, .workload_size_limit = 6}, proc_);
  EXPECT_TRUE(enough.Attest(100).ok());

  UnixAttestor never({.discover_workload_path = true, .workload_size_limit = -1}, proc_);
  auto path_only = never.Attest(100);
  ASSERT_TRUE(path_only.ok());
  EXPECT_EQ(Strings(*path_only).back(), "unix:path:" + exe_.string());
  EXPECT_EQ(never.hashes_computed(), 0u);
}

TEST_F(UnixAttestorTest, MissingProcessOrExecutableFails) {
  UnixAttestor attestor({.discover_workload_path = true}, proc_);
  auto gone = attestor.Attest(101);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(gone.status().message()), HasSubstr("pid 101"));
  std::filesystem::remove(exe_);
  EXPECT_FALSE(attestor.Attest(100).ok());
}

TEST_F(UnixAttestorTest, MalformedStatusFails) {
  proc_.processes[100].status_text = "Uid:\tabc\nGid:\t1\n";
  UnixAttestor attestor({}, proc_);
  EXPECT_FALSE(attestor.Attest(100).ok());
}

TEST(UnixAttestorReal, AttestsThisProcess) {
  RealProcessInfo proc("/proc");
  UnixAttestor attestor({.discover_workload_path = true}, proc);
  auto got = attestor.Attest(getpid());
  ASSERT_TRUE(got.ok()) << got.status();
  auto s = Strings(*got);
  EXPECT_EQ(s[0], "unix:uid:" + std::to_string(geteuid()));
  EXPECT_THAT(s, ::testing::Contains(
                     "unix:path:" + std::filesystem::read_symlink("/proc/self/exe").string()));
  EXPECT_THAT(s.back(), HasSubstr("unix:sha256:"));
  EXPECT_EQ(s.back().size(), std::string("unix:sha256:").size() + 64);
}

TEST(UnixAttestorConfig, FromHcl) {
  auto obj = common::hcl::Parse("discover_workload_path = true\nworkload_size_limit = 1024\n");
  ASSERT_TRUE(obj.ok());
  auto cfg = UnixAttestorConfig::FromHcl(*obj);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_TRUE(cfg->discover_workload_path);
  EXPECT_EQ(cfg->workload_size_limit, 1024);
  auto unknown = common::hcl::Parse("discover_workload_paths = true\n");
  EXPECT_THAT(std::string(UnixAttestorConfig::FromHcl(*unknown).status().message()),
              HasSubstr("discover_workload_paths"));
  auto wrong = common::hcl::Parse("workload_size_limit = \"big\"\n");
  EXPECT_FALSE(UnixAttestorConfig::FromHcl(*wrong).ok());
}

}  // namespace
}  // namespace dstart::agent::workloadattestor
