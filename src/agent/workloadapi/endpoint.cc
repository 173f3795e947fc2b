#include "agent/workloadapi/endpoint.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_posix.h>

#include "agent/workloadapi/peer_tracker.h"
#include "common/file.h"
#include "fmt/format.h"
#include "spiffe/jwt_svid.h"
#include "workload.grpc.pb.h"

namespace dstart::agent::workloadapi {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

constexpr char kNoIdentity[] = "no identity issued";

std::string Bytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// Deterministic bytes of a message, so that two responses with the same content compare equal
// (map order is otherwise unspecified).
std::string Deterministic(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&cos);
  cos.Trim();
  return out;
}

Status ToGrpc(const absl::Status& s) {
  return Status(static_cast<StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace

class WorkloadApiService final : public SpiffeWorkloadAPI::Service {
 public:
  WorkloadApiService(EndpointOptions& options, PeerTracker& tracker, std::atomic<bool>& stopping)
      : o_(options), tracker_(tracker), stopping_(stopping) {}

  Status FetchX509SVID(ServerContext* ctx, const X509SVIDRequest*,
                       grpc::ServerWriter<X509SVIDResponse>* writer) override {
    if (Status s = CheckHeader(ctx); !s.ok()) return s;
    auto who = Attest(ctx);
    if (!who.ok()) return ToGrpc(who.status());
    return Stream<X509SVIDResponse>(ctx, writer, *who, "FetchX509SVID", /*need_identity=*/true,
                                    [&](const std::vector<WorkloadIdentity>& ids,
                                        const spiffe::BundleSet& bundles, X509SVIDResponse* r) {
                                      BuildX509SvidResponse(ids, bundles, r);
                                    });
  }

  Status FetchX509Bundles(ServerContext* ctx, const X509BundlesRequest*,
                          grpc::ServerWriter<X509BundlesResponse>* writer) override {
    if (Status s = CheckHeader(ctx); !s.ok()) return s;
    auto who = Attest(ctx);
    if (!who.ok()) return ToGrpc(who.status());
    return Stream<X509BundlesResponse>(
        ctx, writer, *who, "FetchX509Bundles", !o_.allow_unauthenticated_verifiers,
        [&](const std::vector<WorkloadIdentity>& ids, const spiffe::BundleSet& bundles,
            X509BundlesResponse* r) {
          for (const spiffe::Bundle* b : WorkloadBundles(ids, bundles)) {
            (*r->mutable_bundles())[b->trust_domain().IdString()] = Bytes(b->ToX509Der());
          }
        });
  }

  Status FetchJWTBundles(ServerContext* ctx, const JWTBundlesRequest*,
                         grpc::ServerWriter<JWTBundlesResponse>* writer) override {
    if (Status s = CheckHeader(ctx); !s.ok()) return s;
    auto who = Attest(ctx);
    if (!who.ok()) return ToGrpc(who.status());
    return Stream<JWTBundlesResponse>(
        ctx, writer, *who, "FetchJWTBundles", !o_.allow_unauthenticated_verifiers,
        [&](const std::vector<WorkloadIdentity>& ids, const spiffe::BundleSet& bundles,
            JWTBundlesResponse* r) {
          for (const spiffe::Bundle* b : WorkloadBundles(ids, bundles)) {
            (*r->mutable_bundles())[b->trust_domain().IdString()] = b->ToJwks();
          }
        });
  }

  Status FetchJWTSVID(ServerContext* ctx, const JWTSVIDRequest* req,
                      JWTSVIDResponse* resp) override {
    if (Status s = CheckHeader(ctx); !s.ok()) return s;
    if (req->audience().empty()) {
      return Status(StatusCode::INVALID_ARGUMENT, "audience must be specified");
    }
    std::optional<spiffe::SpiffeId> wanted;
    if (!req->spiffe_id().empty()) {
      auto id = spiffe::SpiffeId::FromString(req->spiffe_id());
      if (!id.ok()) {
        return Status(StatusCode::INVALID_ARGUMENT,
                      "invalid requested SPIFFE ID: " + std::string(id.status().message()));
      }
      wanted = *id;
    }
    auto who = Attest(ctx);
    if (!who.ok()) return ToGrpc(who.status());
    std::vector<std::string> audience(req->audience().begin(), req->audience().end());
    std::set<std::string> hints;
    for (const WorkloadIdentity& id : o_.cache->Match(who->selectors)) {
      if (wanted && id.svid->id() != *wanted) continue;
      if (!id.hint.empty() && !hints.insert(id.hint).second) continue;
      auto token = o_.cache->MintJwtSvid(id, audience);
      if (!token.ok()) {
        return Status(StatusCode::UNAVAILABLE,
                      "could not fetch JWT-SVID: " + std::string(token.status().message()));
      }
      JWTSVID* out = resp->add_svids();
      out->set_spiffe_id(id.svid->id().String());
      out->set_svid(*token);
      out->set_hint(id.hint);
    }
    if (resp->svids_size() == 0) {
      LogNoIdentity("FetchJWTSVID", who->pid);
      return Status(StatusCode::PERMISSION_DENIED, kNoIdentity);
    }
    return Status::OK;
  }

  Status ValidateJWTSVID(ServerContext* ctx, const ValidateJWTSVIDRequest* req,
                         ValidateJWTSVIDResponse* resp) override {
    if (Status s = CheckHeader(ctx); !s.ok()) return s;
    if (req->audience().empty()) {
      return Status(StatusCode::INVALID_ARGUMENT, "audience must be specified");
    }
    if (req->svid().empty()) return Status(StatusCode::INVALID_ARGUMENT, "svid must be specified");
    auto who = Attest(ctx);
    if (!who.ok()) return ToGrpc(who.status());
    auto ids = o_.cache->Match(who->selectors);
    if (ids.empty() && !o_.allow_unauthenticated_verifiers) {
      LogNoIdentity("ValidateJWTSVID", who->pid);
      return Status(StatusCode::PERMISSION_DENIED, kNoIdentity);
    }
    auto bundles = o_.cache->Bundles();
    auto svid = spiffe::ParseAndValidateJwtSvid(req->svid(), *bundles, {req->audience()},
                                                std::chrono::system_clock::now());
    if (!svid.ok()) return Status(StatusCode::INVALID_ARGUMENT, std::string(svid.status().message()));
    resp->set_spiffe_id(svid->id.String());
    auto parsed = google::protobuf::util::JsonStringToMessage(svid->claims_json,
                                                              resp->mutable_claims());
    if (!parsed.ok()) {
      return Status(StatusCode::INTERNAL, "claims are not a JSON object");
    }
    return Status::OK;
  }

 private:
  struct Attested {
    pid_t pid;
    spiffe::SelectorSet selectors;
  };

  Status CheckHeader(ServerContext* ctx) const {
    auto range = ctx->client_metadata().equal_range("workload.spiffe.io");
    int count = 0;
    bool ok = true;
    for (auto it = range.first; it != range.second; ++it) {
      ++count;
      ok = ok && std::string_view(it->second.data(), it->second.size()) == "true";
    }
    if (count != 1 || !ok) {
      return Status(StatusCode::INVALID_ARGUMENT, "security header missing from request");
    }
    return Status::OK;
  }

  absl::StatusOr<Attested> Attest(ServerContext* ctx) const {
    auto caller = tracker_.Lookup(ctx->peer());
    if (!caller.ok()) {
      DSTART_LOG_ERROR(o_.logger, "Could not identify the caller",
                       {{"error", std::string(caller.status().message())},
                        {"service", "WorkloadAPI"},
                        {"subsystem_name", "endpoints"}});
      return absl::UnavailableError("workload attestation failed");
    }
    const Caller& c = **caller;
    auto selectors = workloadattestor::AttestWorkload(o_.attestors, c.pid, o_.logger);
    // The caller is checked after attestation even when it failed: a caller that is gone explains
    // the failure better than the attestors do.
    if (auto alive = tracker_.VerifyStillCaller(c); !alive.ok()) {
      DSTART_LOG_ERROR(o_.logger, "Workload attestation refused",
                       {{"error", std::string(alive.message())},
                        {"pid", c.pid},
                        {"subsystem_name", "workload_attestor"}});
      return alive;
    }
    if (!selectors.ok()) return selectors.status();
    if (c.pid != ::getpid() && o_.logger.Enabled(common::LogLevel::kDebug)) {
      for (const auto& s : *selectors) {
        DSTART_LOG_DEBUG(o_.logger, "PID attested to have selectors",
                         {{"pid", c.pid},
                          {"selector", s.String()},
                          {"subsystem_name", "workload_attestor"}});
      }
    }
    return Attested{c.pid, std::move(*selectors)};
  }

  void LogNoIdentity(const char* method, pid_t pid) const {
    if (pid == ::getpid()) return;
    DSTART_LOG_ERROR(o_.logger, "No identity issued",
                     {{"method", method},
                      {"pid", pid},
                      {"registered", false},
                      {"service", "WorkloadAPI"},
                      {"subsystem_name", "endpoints"}});
  }

  // The own trust domain's bundle, then the federated bundles the identities' entries federate
  // with (only for a caller with an identity).
  std::vector<const spiffe::Bundle*> WorkloadBundles(const std::vector<WorkloadIdentity>& ids,
                                                     const spiffe::BundleSet& bundles) const {
    std::vector<const spiffe::Bundle*> out;
    if (const spiffe::Bundle* own = bundles.Find(o_.cache->trust_domain())) out.push_back(own);
    std::set<spiffe::TrustDomain> seen{o_.cache->trust_domain()};
    for (const WorkloadIdentity& id : ids) {
      for (const spiffe::TrustDomain& td : id.federates_with) {
        if (!seen.insert(td).second) continue;
        if (const spiffe::Bundle* b = bundles.Find(td)) out.push_back(b);
      }
    }
    return out;
  }

  void BuildX509SvidResponse(const std::vector<WorkloadIdentity>& ids,
                             const spiffe::BundleSet& bundles, X509SVIDResponse* r) const {
    std::set<std::string> hints;
    std::set<spiffe::TrustDomain> own_tds;
    for (const WorkloadIdentity& id : ids) {
      // A repeated non-empty hint: the first SVID keeps it, later ones are left out (§6.4).
      if (!id.hint.empty() && !hints.insert(id.hint).second) continue;
      X509SVID* out = r->add_svids();
      out->set_spiffe_id(id.svid->id().String());
      out->set_x509_svid(Bytes(id.svid->CertificatesDer()));
      out->set_x509_svid_key(Bytes(id.svid->KeyPkcs8Der()));
      const spiffe::TrustDomain& td = id.svid->id().GetTrustDomain();
      own_tds.insert(td);
      if (const spiffe::Bundle* b = bundles.Find(td)) out->set_bundle(Bytes(b->ToX509Der()));
      out->set_hint(id.hint);
    }
    for (const spiffe::Bundle* b : WorkloadBundles(ids, bundles)) {
      if (own_tds.count(b->trust_domain())) continue;  // Never the own TD (§6.4).
      (*r->mutable_federated_bundles())[b->trust_domain().IdString()] = Bytes(b->ToX509Der());
    }
  }

  // Sends the full state at once, then again whenever the cache changes and the response
  // differs from the last one sent; ends with PermissionDenied when `need_identity` and the
  // caller has (or comes to have) no identity.
  template <typename Response, typename Build>
  Status Stream(ServerContext* ctx, grpc::ServerWriter<Response>* writer, const Attested& who,
                const char* method, bool need_identity, Build build) {
    std::string last;
    bool logged = false;
    std::optional<std::chrono::steady_clock::time_point> hold_until;
    for (;;) {
      uint64_t generation = o_.cache->Generation();
      auto ids = o_.cache->Match(who.selectors);
      if (need_identity && ids.empty()) {
        if (!logged) LogNoIdentity(method, who.pid);
        logged = true;
        auto now = std::chrono::steady_clock::now();
        if (last.empty() && o_.hold_without_identity.count() > 0) {
          if (!hold_until) hold_until = now + o_.hold_without_identity;
          if (now < *hold_until) {
            auto wait = std::min<std::chrono::milliseconds>(
                o_.stream_poll,
                std::chrono::duration_cast<std::chrono::milliseconds>(*hold_until - now) +
                    std::chrono::milliseconds(1));
            if (ctx->IsCancelled()) return Status::OK;
            if (stopping_) return Status(StatusCode::UNAVAILABLE, "agent is shutting down");
            o_.cache->WaitForChange(generation, wait);
            continue;
          }
        }
        return Status(StatusCode::PERMISSION_DENIED, kNoIdentity);
      }
      logged = false;
      Response response;
      build(ids, *o_.cache->Bundles(), &response);
      std::string bytes = Deterministic(response);
      if (bytes != last) {
        if (!writer->Write(response)) return Status::OK;  // The client went away.
        last = std::move(bytes);
      }
      for (;;) {
        if (ctx->IsCancelled()) return Status::OK;
        if (stopping_) return Status(StatusCode::UNAVAILABLE, "agent is shutting down");
        if (o_.cache->WaitForChange(generation, o_.stream_poll)) break;
      }
    }
  }

  EndpointOptions& o_;
  PeerTracker& tracker_;
  std::atomic<bool>& stopping_;
};

class Endpoint::Impl {
 public:
  explicit Impl(EndpointOptions options) : options_(std::move(options)) {}
  ~Impl() { Stop(); }

  absl::Status Start() {
    if (!options_.cache) return absl::InvalidArgumentError("Workload API endpoint: no identity cache");
    const std::string& path = options_.socket_path;
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(
          fmt::format("Workload API socket path \"{}\" is not absolute", path));
    }
    sockaddr_un addr{};
    if (path.size() >= sizeof(addr.sun_path)) {
      return absl::InvalidArgumentError(
          fmt::format("Workload API socket path \"{}\" is longer than {} bytes", path,
                      sizeof(addr.sun_path) - 1));
    }
    std::string parent = std::filesystem::path(path).parent_path().string();
    if (auto s = common::EnsureDir(parent, 0755); !s.ok()) return s;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return absl::FailedPreconditionError(
            fmt::format("{} exists and is not a socket; not replacing it", path));
      }
      ::unlink(path.c_str());
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return absl::InternalError(fmt::format("socket: {}", std::strerror(errno)));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 1024) != 0) {
      return absl::UnavailableError(
          fmt::format("cannot listen on {}: {}", path, std::strerror(errno)));
    }
    if (::chmod(path.c_str(), 0777) != 0) {
      return absl::InternalError(fmt::format("chmod 0777 {}: {}", path, std::strerror(errno)));
    }

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    service_ = std::make_unique<WorkloadApiService>(options_, tracker_, stopping_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    if (!server_) return absl::InternalError("cannot start the gRPC server");
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return absl::OkStatus();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    stopping_ = true;
    if (accept_thread_.joinable()) accept_thread_.join();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      ::unlink(options_.socket_path.c_str());
      listen_fd_ = -1;
    }
  }

  const std::string& socket_path() const { return options_.socket_path; }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      auto caller = tracker_.Track(fd);
      if (!caller.ok()) {
        DSTART_LOG_WARN(options_.logger, "Refusing a Workload API connection",
                        {{"error", std::string(caller.status().message())},
                         {"subsystem_name", "endpoints"}});
        ::close(fd);
        continue;
      }
      // gRPC needs a non-blocking socket, or the call hangs (DESIGN.md).
      int flags = ::fcntl(fd, F_GETFL);
      ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      grpc::AddInsecureChannelFromFd(server_.get(), fd);
    }
  }

  EndpointOptions options_;
  PeerTracker tracker_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  int listen_fd_ = -1;
  std::unique_ptr<WorkloadApiService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::thread accept_thread_;
};

absl::StatusOr<std::unique_ptr<Endpoint>> Endpoint::Start(EndpointOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Endpoint::~Endpoint() = default;
void Endpoint::Stop() { impl_->Stop(); }
const std::string& Endpoint::socket_path() const { return impl_->socket_path(); }

}  // namespace dstart::agent::workloadapi
