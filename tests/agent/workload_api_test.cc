// End to end: the real Workload API client against the real endpoint on a temporary Unix socket,
// with the unix attestor reading the callers from /proc.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include <grpcpp/create_channel_posix.h>
#include <grpcpp/grpcpp.h>

#include "agent/workloadapi/endpoint.h"
#include "agent/workloadattestor/unix/unix_attestor.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spiffe/workloadapi/client.h"
#include "support/process.h"
#include "test_pki.h"
#include "workload.grpc.pb.h"

namespace dstart::agent::workloadapi {
namespace {

using ::testing::HasSubstr;
using spiffe::workloadapi::Client;
using spiffe::workloadapi::ClientOptions;
using spiffe::workloadapi::X509Source;

class CaptureSink final : public common::LogSink {
 public:
  void Write(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_ += line;
  }
  std::string text() const {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

// Counts the attestations, so tests can show a refused call attested nobody.
class CountingAttestor final : public workloadattestor::WorkloadAttestor {
 public:
  explicit CountingAttestor(std::shared_ptr<const WorkloadAttestor> inner) : inner_(inner) {}
  std::string_view name() const override { return inner_->name(); }
  absl::StatusOr<std::vector<spiffe::Selector>> Attest(int pid) const override {
    ++count;
    return inner_->Attest(pid);
  }
  mutable std::atomic<int> count{0};

 private:
  std::shared_ptr<const WorkloadAttestor> inner_;
};

std::string ProbeBinary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "agent_workload_probe")
      .string();
}

class WorkloadApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_path_ = (dir_ / "public" / "api.sock").string();
    cache_ = pki_.MakeCache();
    StartEndpoint();
  }

  void StartEndpoint(std::chrono::milliseconds hold = {}, bool allow_unauthenticated = false) {
    endpoint_.reset();
    sink_ = std::make_shared<CaptureSink>();
    common::Logger logger({.format = common::LogFormat::kLogrus,
                           .level = common::LogLevel::kDebug,
                           .sink = sink_});
    auto unix_attestor = std::make_shared<workloadattestor::UnixAttestor>(
        workloadattestor::UnixAttestorConfig{.discover_workload_path = true}, proc_);
    counter_ = std::make_shared<CountingAttestor>(unix_attestor);
    EndpointOptions options;
    options.socket_path = socket_path_;
    options.attestors = {counter_};
    options.cache = cache_;
    options.logger = logger;
    options.hold_without_identity = hold;
    options.allow_unauthenticated_verifiers = allow_unauthenticated;
    options.stream_poll = std::chrono::milliseconds(50);
    endpoint_ = Must(Endpoint::Start(std::move(options)));
  }

  std::unique_ptr<Client> NewClient() { return Must(Client::Create({.address = Address()})); }
  std::string Address() const { return "unix://" + socket_path_; }
  std::string MyUid() const { return "unix:uid:" + std::to_string(geteuid()); }
  std::string MyPath() const {
    return "unix:path:" + std::filesystem::read_symlink("/proc/self/exe").string();
  }

  testing::TempDir dir_;
  std::string socket_path_;
  TestPki pki_;
  std::shared_ptr<StaticIdentityCache> cache_;
  workloadattestor::RealProcessInfo proc_{"/proc"};
  std::shared_ptr<CaptureSink> sink_;
  std::shared_ptr<CountingAttestor> counter_;
  std::unique_ptr<Endpoint> endpoint_;
};

TEST_F(WorkloadApiTest, SocketIsWorldWritableInACreatedDirectory) {
  struct stat st;
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0777u);
  endpoint_->Stop();
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
}

TEST_F(WorkloadApiTest, RefusesToReplaceSomethingThatIsNotASocket) {
  endpoint_.reset();
  testing::WriteFile(socket_path_, "data");
  EndpointOptions options;
  options.socket_path = socket_path_;
  options.cache = cache_;
  auto got = Endpoint::Start(std::move(options));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("not a socket"));
  EndpointOptions relative;
  relative.socket_path = "api.sock";
  relative.cache = cache_;
  EXPECT_FALSE(Endpoint::Start(std::move(relative)).ok());
}

TEST_F(WorkloadApiTest, FetchX509ContextGivesMatchingSvidsInEntryIdOrder) {
  pki_.AddEntry(*cache_, "entry-b", "spiffe://edgexfoundry.org/service/b", {MyUid()});
  pki_.AddEntry(*cache_, "entry-a", "spiffe://edgexfoundry.org/service/a", {MyUid(), MyPath()});
  pki_.AddEntry(*cache_, "entry-c", "spiffe://edgexfoundry.org/service/c", {"unix:uid:424242"});
  auto ctx = NewClient()->FetchX509Context(std::chrono::seconds(5));
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  ASSERT_EQ(ctx->svids.size(), 2u);
  EXPECT_EQ(ctx->svids[0].id().String(), "spiffe://edgexfoundry.org/service/a");
  EXPECT_EQ(ctx->svids[1].id().String(), "spiffe://edgexfoundry.org/service/b");
  EXPECT_TRUE(ctx->default_svid().Verify(ctx->bundles, std::chrono::system_clock::now()).ok());
  EXPECT_TRUE(ctx->bundles.Find(pki_.td())->HasX509Authority(pki_.ca()));
  EXPECT_EQ(counter_->count, 1);
}

TEST_F(WorkloadApiTest, RepeatedHintsKeepTheFirstSvid) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()}, "internal");
  pki_.AddEntry(*cache_, "2", "spiffe://edgexfoundry.org/service/b", {MyUid()}, "internal");
  pki_.AddEntry(*cache_, "3", "spiffe://edgexfoundry.org/service/c", {MyUid()}, "external");
  auto ctx = NewClient()->FetchX509Context(std::chrono::seconds(5));
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  ASSERT_EQ(ctx->svids.size(), 2u);
  EXPECT_EQ(ctx->svids[0].id().Path(), "/service/a");
  EXPECT_EQ(ctx->hints[1], "external");
}

TEST_F(WorkloadApiTest, SecurityHeaderIsCheckedBeforeAnyAttestation) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  auto channel = grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials());
  auto stub = SpiffeWorkloadAPI::NewStub(channel);
  for (const std::vector<std::string>& values :
       {std::vector<std::string>{}, {"TRUE"}, {"true", "true"}, {"1"}}) {
    grpc::ClientContext ctx;
    for (const auto& v : values) ctx.AddMetadata("workload.spiffe.io", v);
    auto reader = stub->FetchX509SVID(&ctx, X509SVIDRequest());
    X509SVIDResponse resp;
    EXPECT_FALSE(reader->Read(&resp));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "security header missing from request");
  }
  {
    grpc::ClientContext ctx;
    JWTSVIDRequest req;
    req.add_audience("x");
    JWTSVIDResponse resp;
    EXPECT_EQ(stub->FetchJWTSVID(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    ValidateJWTSVIDRequest req;
    ValidateJWTSVIDResponse resp;
    EXPECT_EQ(stub->ValidateJWTSVID(&ctx, req, &resp).error_message(),
              "security header missing from request");
  }
  EXPECT_EQ(counter_->count, 0);
}

TEST_F(WorkloadApiTest, OwnPidWithoutIdentityIsDeniedQuietly) {
  auto ctx = NewClient()->FetchX509Context(std::chrono::seconds(5));
  EXPECT_EQ(ctx.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ctx.status().message(), "no identity issued");
  EXPECT_THAT(sink_->text(), ::testing::Not(HasSubstr("No identity issued")));
}

TEST_F(WorkloadApiTest, AnotherBinaryIsDeniedAndLoggedWithItsSelectors) {
  // The entry is for this test binary's path; the probe is another executable.
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid(), MyPath()});
  auto res = testing::RunCommand({ProbeBinary(), Address(), "x509"});
  EXPECT_EQ(res.exit_code, 1) << res.out << res.err;
  EXPECT_THAT(res.out, HasSubstr("error 7 no identity issued"));
  std::string log = sink_->text();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      log, m,
      std::regex("time=\"[^\"]+\" level=error msg=\"No identity issued\" method=FetchX509SVID "
                 "pid=([0-9]+) registered=false service=WorkloadAPI subsystem_name=endpoints\n")))
      << log;
  std::string pid = m[1];
  size_t no_identity = log.find("No identity issued");
  size_t uid_line = log.find("msg=\"PID attested to have selectors\" pid=" + pid +
                             " selector=\"unix:uid:" + std::to_string(geteuid()) + "\"");
  size_t path_line = log.find("selector=\"unix:path:" + ProbeBinary() + "\"");
  ASSERT_NE(uid_line, std::string::npos) << log;

  ASSERT_NE(path_line, std::string::npos) << log;
  EXPECT_LT(uid_line, no_identity);
  EXPECT_LT(path_line, no_identity);
  EXPECT_THAT(log, HasSubstr("level=debug"));
}

TEST_F(WorkloadApiTest, MatchingBinaryGetsItsSvid) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/device-virtual",
                {MyUid(), "unix:path:" + ProbeBinary()});
  auto res = testing::RunCommand({ProbeBinary(), Address(), "x509"});
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_EQ(res.out, "svid spiffe://edgexfoundry.org/service/device-virtual\n");
  // This test binary is not that executable.
  EXPECT_EQ(NewClient()->FetchX509Context().status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(WorkloadApiTest, AnotherUidIsDenied) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to run the probe as another user";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a",
                {"unix:uid:0", "unix:path:" + ProbeBinary()});
  auto as_root = testing::RunCommand({ProbeBinary(), Address(), "x509"});
  EXPECT_EQ(as_root.exit_code, 0) << as_root.out;
  auto as_nobody = testing::RunCommand({"setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups", ProbeBinary(), Address(), "x509"});
  EXPECT_EQ(as_nobody.exit_code, 1) << as_nobody.out << as_nobody.err;
  EXPECT_THAT(as_nobody.out, HasSubstr("error 7 no identity issued"));
  EXPECT_THAT(sink_->text(), HasSubstr("selector=\"unix:uid:65534\""));
}

TEST_F(WorkloadApiTest, RotationIsPushedOnTheOpenStream) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  auto source = X509Source::Create({.address = Address()}, std::chrono::seconds(5));
  ASSERT_TRUE(source.ok()) << source.status();
  std::string first_serial = (*source)->GetX509Svid().leaf().SerialHex();
  uint64_t seen = (*source)->updates();
  ASSERT_TRUE(cache_->SetSvid("1", pki_.Issue("spiffe://edgexfoundry.org/service/a")).ok());
  ASSERT_TRUE((*source)->WaitUntilUpdated(seen, std::chrono::seconds(5)));
  EXPECT_NE((*source)->GetX509Svid().leaf().SerialHex(), first_serial);
  // A new entry: the next message carries both SVIDs.
  seen = (*source)->updates();
  pki_.AddEntry(*cache_, "2", "spiffe://edgexfoundry.org/service/b", {MyUid()});
  ASSERT_TRUE((*source)->WaitUntilUpdated(seen, std::chrono::seconds(5)));
  EXPECT_EQ((*source)->Context()->svids.size(), 2u);
  // A bundle change.
  seen = (*source)->updates();
  spiffe::Bundle bundle = pki_.MakeBundle();
  TestPki other;
  bundle.AddX509Authority(other.ca());
  cache_->SetBundle(bundle);
  ASSERT_TRUE((*source)->WaitUntilUpdated(seen, std::chrono::seconds(5)));
  EXPECT_EQ((*source)->Context()->bundles.Find(pki_.td())->x509_authorities().size(), 2u);
  EXPECT_EQ(counter_->count, 1);  // One stream, attested once.
}

TEST_F(WorkloadApiTest, SourceRetriesUntilAnEntryAppears) {
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/late", {MyUid()});
  });
  ClientOptions options{.address = Address()};
  options.backoff_initial = std::chrono::milliseconds(100);
  options.backoff_step = std::chrono::milliseconds(100);
  auto source = X509Source::Create(options, std::chrono::seconds(10));
  later.join();
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->GetX509Svid().id().Path(), "/service/late");
}

TEST_F(WorkloadApiTest, SourceTimesOutWithTheLastError) {
  ClientOptions options{.address = Address()};
  options.backoff_initial = std::chrono::milliseconds(50);
  auto source = X509Source::Create(options, std::chrono::milliseconds(400));
  EXPECT_EQ(source.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(source.status().message()), HasSubstr("no identity issued"));
}

TEST_F(WorkloadApiTest, WithAHoldAnEntryCreatedMeanwhileArrivesOnTheOpenStream) {
  StartEndpoint(std::chrono::seconds(20));
  testing::Process probe("probe", {ProbeBinary(), Address(), "x509"}, dir_.path());
  ASSERT_TRUE(testing::WaitFor(
      [&] { return sink_->text().find("No identity issued") != std::string::npos; }));
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/waiting",
                {MyUid(), "unix:path:" + ProbeBinary()});
  ASSERT_TRUE(testing::WaitFor([&] { return !probe.Running(); }));
  EXPECT_EQ(probe.Stdout(), "svid spiffe://edgexfoundry.org/service/waiting\n");
  EXPECT_EQ(counter_->count, 1);  // The same stream: attested once.
}

TEST_F(WorkloadApiTest, StreamEndsWithPermissionDeniedWhenTheEntryGoes) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  auto channel = grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials());
  auto stub = SpiffeWorkloadAPI::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("workload.spiffe.io", "true");
  auto reader = stub->FetchX509SVID(&ctx, X509SVIDRequest());
  X509SVIDResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.svids_size(), 1);
  cache_->RemoveEntry("1");
  EXPECT_FALSE(reader->Read(&resp));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(WorkloadApiTest, JwtSvidsAndBundles) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  pki_.AddEntry(*cache_, "2", "spiffe://edgexfoundry.org/service/b", {MyUid()});
  auto client = NewClient();
  auto all = client->FetchJwtSvids({"token-provider", "extra"});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_THAT((*all)[0].audience, ::testing::ElementsAre("token-provider", "extra"));
  auto one = client->FetchJwtSvids({"x"}, "spiffe://edgexfoundry.org/service/b");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].id.Path(), "/service/b");
  EXPECT_EQ(client->FetchJwtSvids({"x"}, "spiffe://edgexfoundry.org/service/z").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto bad_id = client->FetchJwtSvids({"x"}, "not an id");
  EXPECT_EQ(bad_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_id.status().message()), HasSubstr("invalid requested SPIFFE ID"));

  auto jwt_bundles = client->FetchJwtBundles(std::chrono::seconds(5));
  ASSERT_TRUE(jwt_bundles.ok()) << jwt_bundles.status();
  EXPECT_NE(jwt_bundles->Find(pki_.td())->FindJwtAuthority("jwt-key-1"), nullptr);
  auto x509_bundles = client->FetchX509Bundles(std::chrono::seconds(5));
  ASSERT_TRUE(x509_bundles.ok()) << x509_bundles.status();
  EXPECT_TRUE(x509_bundles->Find(pki_.td())->HasX509Authority(pki_.ca()));

  auto valid = client->ValidateJwtSvid((*one)[0].token, "x");
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->id.Path(), "/service/b");
  EXPECT_THAT(valid->claims_json, HasSubstr("\"sub\":\"spiffe://edgexfoundry.org/service/b\""));
  auto wrong_aud = client->ValidateJwtSvid((*one)[0].token, "y");
  EXPECT_EQ(wrong_aud.status().code(), absl::StatusCode::kInvalidArgument);
  auto garbage = client->ValidateJwtSvid("a.b.c", "x");
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(WorkloadApiTest, MandatoryRequestFields) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  auto stub = SpiffeWorkloadAPI::NewStub(
      grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("workload.spiffe.io", "true");
    JWTSVIDResponse resp;
    grpc::Status s = stub->FetchJWTSVID(&ctx, JWTSVIDRequest(), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "audience must be specified");
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("workload.spiffe.io", "true");
    ValidateJWTSVIDRequest req;
    req.set_audience("x");
    ValidateJWTSVIDResponse resp;
    grpc::Status s = stub->ValidateJWTSVID(&ctx, req, &resp);
    EXPECT_EQ(s.error_message(), "svid must be specified");
  }
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("workload.spiffe.io", "true");
    WITSVIDResponse resp;
    auto reader = stub->FetchWITSVID(&ctx, WITSVIDRequest());
    EXPECT_FALSE(reader->Read(&resp));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
}

TEST_F(WorkloadApiTest, BundlesNeedAnIdentity) {
  auto client = NewClient();
  EXPECT_EQ(client->FetchX509Bundles(std::chrono::seconds(5)).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(client->FetchJwtBundles(std::chrono::seconds(5)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(WorkloadApiTest, FederatedBundlesGoOnlyToEntriesThatFederate) {
  TestPki partner("partner.example");
  cache_->SetBundle(partner.MakeBundle());
  auto id = Must(spiffe::SpiffeId::FromString("spiffe://edgexfoundry.org/service/a"));
  cache_->SetEntry({"1", id, {Must(spiffe::Selector::Parse(MyUid()))}, "", {partner.td()}});
  ASSERT_TRUE(cache_->SetSvid("1", pki_.Issue(id.String())).ok());
  auto client = NewClient();
  auto ctx = client->FetchX509Context(std::chrono::seconds(5));
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  ASSERT_NE(ctx->bundles.Find(partner.td()), nullptr);
  EXPECT_TRUE(ctx->bundles.Find(partner.td())->HasX509Authority(partner.ca()));
  auto bundles = client->FetchX509Bundles(std::chrono::seconds(5));
  ASSERT_TRUE(bundles.ok());
  EXPECT_EQ(bundles->size(), 2u);
  // Without the federation the partner's bundle is withheld.
  cache_->SetEntry({"1", id, {Must(spiffe::Selector::Parse(MyUid()))}, "", {}});
  auto plain = client->FetchX509Context(std::chrono::seconds(5));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->bundles.Find(partner.td()), nullptr);
}

TEST_F(WorkloadApiTest, UnauthenticatedVerifiersGetBundlesButNoSvids) {
  StartEndpoint({}, /*allow_unauthenticated=*/true);
  auto client = NewClient();
  auto x509 = client->FetchX509Bundles(std::chrono::seconds(5));
  ASSERT_TRUE(x509.ok()) << x509.status();
  EXPECT_TRUE(x509->Find(pki_.td())->HasX509Authority(pki_.ca()));
  auto jwt = client->FetchJwtBundles(std::chrono::seconds(5));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(client->FetchX509Context(std::chrono::seconds(5)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(WorkloadApiTest, HealthIsServingWithoutTheSecurityHeader) {
  auto healthy = NewClient()->CheckHealth(std::chrono::seconds(5));
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_TRUE(*healthy);
}

// A child process connects to the endpoint and hands the connection to the test; the test then
// makes calls on it as that child, and tells the child to exit or exec.
struct ConnectedChild {
  pid_t pid = -1;
  int control = -1;
  std::unique_ptr<SpiffeWorkloadAPI::Stub> stub;
};

ConnectedChild ForkConnected(const std::string& socket_path) {
  int sp[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sp[0]);
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
    if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(3);
    char byte = 'f';
    iovec iov{&byte, 1};
    char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &s, sizeof(int));
    if (::sendmsg(sp[1], &msg, 0) != 1) ::_exit(4);
    char cmd = 0;
    if (::read(sp[1], &cmd, 1) != 1) ::_exit(0);
    if (cmd == 'x') ::execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    ::_exit(0);
  }
  ::close(sp[1]);
  char byte;
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  EXPECT_EQ(::recvmsg(sp[0], &msg, 0), 1);
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  ConnectedChild child;
  child.pid = pid;
  child.control = sp[0];
  child.stub = SpiffeWorkloadAPI::NewStub(grpc::CreateInsecureChannelFromFd("child", fd));
  return child;
}

grpc::Status FirstX509Message(SpiffeWorkloadAPI::Stub& stub) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("workload.spiffe.io", "true");
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto reader = stub.FetchX509SVID(&ctx, X509SVIDRequest());
  X509SVIDResponse resp;
  if (reader->Read(&resp)) {
    ctx.TryCancel();
    reader->Finish();
    return grpc::Status::OK;
  }
  return reader->Finish();
}

TEST_F(WorkloadApiTest, ACallerThatExitedIsNotAttestedAsItsPidsNextOwner) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  ConnectedChild child = ForkConnected(socket_path_);
  ASSERT_TRUE(FirstX509Message(*child.stub).ok());  // Accepted and attested as the child.
  ASSERT_EQ(::write(child.control, "q", 1), 1);
  int status;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  grpc::Status s = FirstX509Message(*child.stub);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("could not verify existence of the original caller"));
  ::close(child.control);
}

TEST_F(WorkloadApiTest, ACallerThatExecsAnotherBinaryGetsNoSvidMeantForTheFirst) {
  pki_.AddEntry(*cache_, "1", "spiffe://edgexfoundry.org/service/a", {MyUid()});
  ConnectedChild child = ForkConnected(socket_path_);
  ASSERT_TRUE(FirstX509Message(*child.stub).ok());
  ASSERT_EQ(::write(child.control, "x", 1), 1);
  std::string proc_exe = "/proc/" + std::to_string(child.pid) + "/exe";
  ASSERT_TRUE(testing::WaitFor([&] {
    std::error_code ec;
    return std::filesystem::read_symlink(proc_exe, ec).filename() == "sleep";
  }));
  grpc::Status s = FirstX509Message(*child.stub);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("another executable"));
  ::kill(child.pid, SIGKILL);
  int status;
  ::waitpid(child.pid, &status, 0);
  ::close(child.control);
}

}  // namespace
}  // namespace dstart::agent::workloadapi
