#include "agent/workloadattestor/docker/docker_attestor.h"

#include <chrono>

#include "agent/workloadattestor/docker/container_id.h"
#include "common/hcl.h"
#include "fake_docker_engine.h"
#include "fake_process_info.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"

namespace dstart::agent::workloadattestor {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kId[] = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

std::string TestData(const std::string& name) {
  return testing::ReadFile(std::filesystem::path(testing::SourceDir()) / "tests/agent/testdata" /
                           name);
}

std::vector<std::string> Strings(const std::vector<spiffe::Selector>& selectors) {
  std::vector<std::string> out;
  for (const auto& s : selectors) out.push_back(s.String());
  return out;
}

class ContainerIdTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ContainerIdTest, FindsTheContainer) {
  auto id = ContainerIdFromCgroup(TestData(GetParam()));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(id->has_value()) << GetParam();
  EXPECT_EQ(**id, kId);
}

INSTANTIATE_TEST_SUITE_P(CapturedCgroupFiles, ContainerIdTest,
                         ::testing::Values("cgroup_v1_docker.txt", "cgroup_v1_systemd_docker.txt",
                                           "cgroup_v2_systemd_docker.txt", "cgroup_v2_crio.txt",
                                           "cgroup_v2_containerd.txt", "cgroup_v1_kind.txt",
                                           "cgroup_v2_docker_nested_init.txt"));

TEST(ContainerId, HostProcessesHaveNone) {
  for (const char* name : {"cgroup_v1_host.txt", "cgroup_v2_host.txt",
                           "cgroup_uppercase_not_id.txt"}) {
    auto id = ContainerIdFromCgroup(TestData(name));
    ASSERT_TRUE(id.ok()) << name << ": " << id.status();
    EXPECT_FALSE(id->has_value()) << name;
  }
  auto empty = ContainerIdFromCgroup("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST(ContainerId, ConflictingIdsFail) {
  auto id = ContainerIdFromCgroup(TestData("cgroup_conflicting.txt"));
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("multiple container IDs found"));
}

TEST(ContainerId, MalformedLineNamesIt) {
  auto id = ContainerIdFromCgroup("0::/\nnot a cgroup line\n");
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("line 2"));
}

TEST(SelectorsFromInspect, LabelsEnvImageAndDigest) {
  auto got = SelectorsFromInspect(TestData("container_inspect_device_virtual.json"),
                                  TestData("image_inspect_device_virtual.json"));
  ASSERT_TRUE(got.ok()) << got.status();
  auto s = Strings(*got);
  EXPECT_THAT(s, ::testing::Contains("docker:label:com.docker.compose.service:device-virtual"));
  EXPECT_THAT(s, ::testing::Contains(
                     "docker:label:com.docker.compose.image:sha256:"
                     "9ddd29b3453149a799a0ec3549537fa3f59f8ee85eb0e4e5c54febf1b74f0fc4"));
  EXPECT_THAT(s, ::testing::Contains("docker:env:SECRETSTORE_RUNTIMETOKENPROVIDER_ENABLED=true"));
  EXPECT_THAT(s, ::testing::Contains("docker:image_id:edgexfoundry/device-virtual:3.0.0"));
  EXPECT_THAT(s, ::testing::Contains(
                     "docker:image_config_digest:sha256:"
                     "9ddd29b3453149a799a0ec3549537fa3f59f8ee85eb0e4e5c54febf1b74f0fc4"));
  EXPECT_EQ(s.size(), 9u + 5u + 1u + 1u);
}

TEST(SelectorsFromInspect, RefusesMalformedAnswers) {
  EXPECT_FALSE(SelectorsFromInspect("[]", std::nullopt).ok());
  EXPECT_FALSE(SelectorsFromInspect("{not json", std::nullopt).ok());
  auto bad = SelectorsFromInspect(TestData("container_inspect_bad_labels.json"), std::nullopt);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("Config.Labels[\"a\"]"));
  EXPECT_THAT(std::string(SelectorsFromInspect(R"({"Config":{"Env":"A=1"}})", std::nullopt)
                              .status()
                              .message()),
              HasSubstr("Config.Env"));
  EXPECT_FALSE(SelectorsFromInspect(R"({"Config":{"Env":[1]}})", std::nullopt).ok());
  EXPECT_FALSE(SelectorsFromInspect(R"({"Config":{"Image":7}})", std::nullopt).ok());
  EXPECT_FALSE(SelectorsFromInspect(R"({"Config":{}})", "{\"Id\":5}").ok());
  auto none = SelectorsFromInspect(TestData("container_inspect_no_config.json"), std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

class DockerAttestorTest : public ::testing::Test {
 protected:
  DockerAttestorTest() : engine_((dir_ / "docker.sock").string()) {
    engine_.Respond(std::string("/containers/") + kId + "/json", 200,
                    TestData("container_inspect_device_virtual.json"));
    engine_.Respond("/images/edgexfoundry/device-virtual:3.0.0/json", 200,
                    TestData("image_inspect_device_virtual.json"));
    proc_.processes[87411] = {"Uid:\t0\nGid:\t0\n", "/device-virtual", "",
                              TestData("cgroup_v2_systemd_docker.txt")};
    proc_.processes[1] = {"Uid:\t0\nGid:\t0\n", "/sbin/init", "", TestData("cgroup_v2_host.txt")};
    config_.docker_socket_path = "unix://" + engine_.socket_path();
    config_.inspect_retry_backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(1),
                                     std::chrono::milliseconds(1)};
  }
  testing::TempDir dir_;
  FakeDockerEngine engine_;
  FakeProcessInfo proc_;
  DockerAttestorConfig config_;
};

TEST_F(DockerAttestorTest, ContainerSelectorsOverTheEngineSocket) {
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(87411);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_THAT(Strings(*got),
              ::testing::Contains("docker:label:com.docker.compose.service:device-virtual"));
  EXPECT_THAT(Strings(*got), ::testing::Contains("docker:image_config_digest:sha256:"
                                                 "9ddd29b3453149a799a0ec3549537fa3f59f8ee85eb0e4e5c"
                                                 "54febf1b74f0fc4"));
  EXPECT_THAT(engine_.requests(),
              ::testing::ElementsAre(std::string("/containers/") + kId + "/json",
                                     "/images/edgexfoundry/device-virtual:3.0.0/json"));
}

TEST_F(DockerAttestorTest, PinnedApiVersionPrefixesPaths) {
  config_.docker_version = "1.41";
  engine_.Respond(std::string("/v1.41/containers/") + kId + "/json", 200,
                  TestData("container_inspect_no_config.json"));
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(87411);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(engine_.requests().front(), std::string("/v1.41/containers/") + kId + "/json");
}

TEST_F(DockerAttestorTest, NotInAContainerGivesNoSelectorsAndNoEngineCall) {
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(1);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->empty());
  EXPECT_TRUE(engine_.requests().empty());
}

TEST_F(DockerAttestorTest, InspectIsRetriedThreeTimes) {
  engine_.FailNext(std::string("/containers/") + kId + "/json", 500, 3);
  DockerAttestor attestor(config_, proc_);
  EXPECT_TRUE(attestor.Attest(87411).ok());
  engine_.FailNext(std::string("/containers/") + kId + "/json", 500, 4);
  auto failed = attestor.Attest(87411);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("HTTP 500"));
}

TEST_F(DockerAttestorTest, UnknownContainerIsNotFound) {
  proc_.processes[87411].cgroup_text = std::string("0::/docker/") + std::string(64, 'f') + "\n";
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(87411);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("No such container"));
}

TEST_F(DockerAttestorTest, ImageInspectFailureOnlyDropsTheDigest) {
  engine_.Respond("/images/edgexfoundry/device-virtual:3.0.0/json", 404,
                  R"({"message":"No such image"})");
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(87411);
  ASSERT_TRUE(got.ok()) << got.status();
  for (const auto& s : Strings(*got)) EXPECT_THAT(s, ::testing::Not(HasSubstr("image_config")));
}

TEST_F(DockerAttestorTest, EngineDownIsUnavailable) {
  config_.docker_socket_path = (dir_ / "nothing.sock").string();
  DockerAttestor attestor(config_, proc_);
  auto got = attestor.Attest(87411);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("nothing.sock"));
}

TEST(DockerAttestorConfig, FromHcl) {
  auto obj = common::hcl::Parse("docker_socket_path = \"unix:///run/d.sock\"\n");
  auto cfg = DockerAttestorConfig::FromHcl(*obj);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->docker_socket_path, "unix:///run/d.sock");
  auto empty = common::hcl::Parse("");
  EXPECT_EQ(DockerAttestorConfig::FromHcl(*empty)->docker_socket_path,
            "unix:///var/run/docker.sock");
  auto legacy = common::hcl::Parse("use_new_container_locator = false\n");
  EXPECT_THAT(std::string(DockerAttestorConfig::FromHcl(*legacy).status().message()),
              HasSubstr("legacy container locator"));
  auto unknown = common::hcl::Parse("docker_sock = \"x\"\n");
  EXPECT_THAT(std::string(DockerAttestorConfig::FromHcl(*unknown).status().message()),
              HasSubstr("docker_sock"));
}

TEST(EscapeEnginePath, KeepsImageNamesAndEscapesTheRest) {
  EXPECT_EQ(EscapeEnginePath("edgexfoundry/device-virtual:3.0.0"),
            "edgexfoundry/device-virtual:3.0.0");
  EXPECT_EQ(EscapeEnginePath("a b?c#"), "a%20b%3Fc%23");
}

}  // namespace
}  // namespace dstart::agent::workloadattestor
