#include "server/api/admin_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "crypto/random.h"
#include "dstart/server/v1/server.grpc.pb.h"
#include "fmt/format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/server_posix.h"
#include "server/api/convert.h"
#include "server/ca/manager.h"
#include "server/datastore/datastore.h"
#include "server/entry_validation.h"
#include "spiffe/id.h"

namespace dstart::server::api {
namespace {

using common::LogLevel;

struct PeerCred {
  pid_t pid = -1;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
};

// Credentials of every accepted connection, keyed by "fd:<N>" as ServerContext::peer() reads.
class PeerTable {
 public:
  void Set(int fd, PeerCred c) {
    std::lock_guard lock(mu_);
    by_fd_[fd] = c;
  }
  PeerCred Get(const std::string& peer) {
    int fd = -1;
    if (peer.rfind("fd:", 0) == 0) fd = std::atoi(peer.c_str() + 3);
    std::lock_guard lock(mu_);
    auto it = by_fd_.find(fd);
    return it == by_fd_.end() ? PeerCred{} : it->second;
  }

 private:
  std::mutex mu_;
  std::map<int, PeerCred> by_fd_;
};

struct Shared {
  AdminServerOptions opts;
  PeerTable peers;

  // One audit line per call (or per item of a batch), spec/spire.md §6.6.
  void Audit(grpc::ServerContext* ctx, const char* method, const absl::Status& st,
             common::LogFields extra = {}) const {
    if (!opts.audit_log) return;
    PeerCred c = const_cast<PeerTable&>(peers).Get(ctx->peer());
    common::LogFields f{{"type", "audit"},
                        {"request_id", crypto::RandomHex(16)},
                        {"method", method},
                        {"caller_uid", static_cast<int64_t>(c.uid)},
                        {"caller_gid", static_cast<int64_t>(c.gid)},
                        {"caller_pid", static_cast<int64_t>(c.pid)},
                        {"status", st.ok() ? "success" : "error"}};
    if (!st.ok()) {
      f.push_back({"status_code", GrpcCodeName(static_cast<int>(st.code()))});
      f.push_back({"status_message", std::string(st.message())});
    }
    for (auto& e : extra) f.push_back(std::move(e));
    opts.logger->Log(LogLevel::kInfo, "admin_server.cc", __LINE__, "API accessed", f);
  }
};

class EntryService final : public pb::EntryAPI::Service {
 public:
  explicit EntryService(Shared* s) : s_(s) {}

  grpc::Status BatchCreateEntry(grpc::ServerContext* ctx, const pb::BatchCreateEntryRequest* req,
                                pb::BatchCreateEntryResponse* resp) override {
    // Validate each item; only valid ones go to the datastore, in one transaction.
    std::vector<absl::Status> pre(req->entries_size());
    std::vector<Entry> valid;
    std::vector<int> index;
    for (int i = 0; i < req->entries_size(); ++i) {
      Entry e = FromProto(req->entries(i));
      pre[i] = ValidateEntry(s_->opts.trust_domain, e);
      if (pre[i].ok()) {
        valid.push_back(std::move(e));
        index.push_back(i);
      }
    }
    auto stored = s_->opts.datastore->CreateEntries(std::move(valid));
    if (!stored.ok()) {
      s_->Audit(ctx, "BatchCreateEntry", stored.status());
      return ToGrpc(stored.status());
    }
    std::vector<EntryResult> results(req->entries_size());
    for (size_t k = 0; k < index.size(); ++k) results[index[k]] = std::move((*stored)[k]);
    for (int i = 0; i < req->entries_size(); ++i) {
      auto* r = resp->add_results();
      absl::Status st = pre[i].ok() ? results[i].status : pre[i];
      ToProto(st, r->mutable_status());
      if (pre[i].ok()) ToProto(results[i].entry, r->mutable_entry());
      s_->Audit(ctx, "BatchCreateEntry", st,
                {{"spiffe_id", req->entries(i).spiffe_id()},
                 {"parent_id", req->entries(i).parent_id()},
                 {"entry_id", pre[i].ok() ? results[i].entry.id : req->entries(i).id()}});
    }
    return grpc::Status::OK;
  }

  grpc::Status BatchUpdateEntry(grpc::ServerContext* ctx, const pb::BatchUpdateEntryRequest* req,
                                pb::BatchUpdateEntryResponse* resp) override {
    std::vector<absl::Status> pre(req->entries_size());
    std::vector<Entry> valid;
    std::vector<int> index;
    for (int i = 0; i < req->entries_size(); ++i) {
      Entry e = FromProto(req->entries(i));
      pre[i] = e.id.empty() ? absl::InvalidArgumentError("invalid entry_id: missing")
                            : ValidateEntry(s_->opts.trust_domain, e);
      if (pre[i].ok()) {
        valid.push_back(std::move(e));
        index.push_back(i);
      }
    }
    auto stored = s_->opts.datastore->UpdateEntries(std::move(valid));
    if (!stored.ok()) {
      s_->Audit(ctx, "BatchUpdateEntry", stored.status());
      return ToGrpc(stored.status());
    }
    std::vector<EntryResult> results(req->entries_size());
    for (size_t k = 0; k < index.size(); ++k) results[index[k]] = std::move((*stored)[k]);
    for (int i = 0; i < req->entries_size(); ++i) {
      auto* r = resp->add_results();
      absl::Status st = pre[i].ok() ? results[i].status : pre[i];
      ToProto(st, r->mutable_status());
      if (st.ok()) ToProto(results[i].entry, r->mutable_entry());
      s_->Audit(ctx, "BatchUpdateEntry", st, {{"entry_id", req->entries(i).id()}});
    }
    return grpc::Status::OK;
  }

  grpc::Status BatchDeleteEntry(grpc::ServerContext* ctx, const pb::BatchDeleteEntryRequest* req,
                                pb::BatchDeleteEntryResponse* resp) override {
    std::vector<std::string> ids(req->ids().begin(), req->ids().end());
    auto results = s_->opts.datastore->DeleteEntries(ids);
    if (!results.ok()) {
      s_->Audit(ctx, "BatchDeleteEntry", results.status());
      return ToGrpc(results.status());
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      auto* r = resp->add_results();
      ToProto((*results)[i], r->mutable_status());
      r->set_id(ids[i]);
      s_->Audit(ctx, "BatchDeleteEntry", (*results)[i], {{"entry_id", ids[i]}});
    }
    return grpc::Status::OK;
  }

  grpc::Status ListEntries(grpc::ServerContext* ctx, const pb::ListEntriesRequest* req,
                           pb::ListEntriesResponse* resp) override {
    auto page = s_->opts.datastore->ListEntries(FromProto(req->filter()), req->page_token(),
                                                req->page_size());
    s_->Audit(ctx, "ListEntries", page.status());
    if (!page.ok()) return ToGrpc(page.status());
    for (const Entry& e : page->entries) ToProto(e, resp->add_entries());
    resp->set_next_page_token(page->next_page_token);
    return grpc::Status::OK;
  }

  grpc::Status CountEntries(grpc::ServerContext* ctx, const pb::CountEntriesRequest* req,
                            pb::CountEntriesResponse* resp) override {
    auto n = s_->opts.datastore->CountEntries(FromProto(req->filter()));
    s_->Audit(ctx, "CountEntries", n.status());
    if (!n.ok()) return ToGrpc(n.status());
    resp->set_count(static_cast<int32_t>(*n));
    return grpc::Status::OK;
  }

  grpc::Status GetEntry(grpc::ServerContext* ctx, const pb::GetEntryRequest* req,
                        pb::Entry* resp) override {
    auto e = s_->opts.datastore->FetchEntry(req->id());
    s_->Audit(ctx, "GetEntry", e.status(), {{"entry_id", req->id()}});
    if (!e.ok()) return ToGrpc(e.status());
    ToProto(*e, resp);
    return grpc::Status::OK;
  }

 private:
  Shared* s_;
};

class AgentService final : public pb::AgentAPI::Service {
 public:
  explicit AgentService(Shared* s) : s_(s) {}

  grpc::Status ListAgents(grpc::ServerContext* ctx, const pb::ListAgentsRequest* req,
                          pb::ListAgentsResponse* resp) override {
    auto page = s_->opts.datastore->ListAttestedNodes(FromProto(req->filter()), req->page_token(),
                                                      req->page_size());
    s_->Audit(ctx, "ListAgents", page.status());
    if (!page.ok()) return ToGrpc(page.status());
    for (const AttestedNode& n : page->agents) ToProto(n, resp->add_agents());
    resp->set_next_page_token(page->next_page_token);
    return grpc::Status::OK;
  }

  grpc::Status CountAgents(grpc::ServerContext* ctx, const pb::CountAgentsRequest* req,
                           pb::CountAgentsResponse* resp) override {
    auto n = s_->opts.datastore->CountAttestedNodes(FromProto(req->filter()));
    s_->Audit(ctx, "CountAgents", n.status());
    if (!n.ok()) return ToGrpc(n.status());
    resp->set_count(static_cast<int32_t>(*n));
    return grpc::Status::OK;
  }

  grpc::Status GetAgent(grpc::ServerContext* ctx, const pb::AgentIdRequest* req,
                        pb::Agent* resp) override {
    absl::Status st = CheckAgentId(req->id());
    absl::StatusOr<AttestedNode> n =
        st.ok() ? s_->opts.datastore->FetchAttestedNode(req->id()) : absl::StatusOr<AttestedNode>(st);
    s_->Audit(ctx, "GetAgent", n.status(), {{"id", req->id()}});
    if (!n.ok()) return ToGrpc(n.status());
    ToProto(*n, resp);
    return grpc::Status::OK;
  }

  grpc::Status DeleteAgent(grpc::ServerContext* ctx, const pb::AgentIdRequest* req,
                           pb::Empty*) override {
    absl::Status st = CheckAgentId(req->id());
    if (st.ok()) st = s_->opts.datastore->DeleteAttestedNode(req->id());
    s_->Audit(ctx, "DeleteAgent", st, {{"id", req->id()}});
    return ToGrpc(st);
  }

  grpc::Status BanAgent(grpc::ServerContext* ctx, const pb::AgentIdRequest* req,
                        pb::Empty*) override {
    absl::Status st = CheckAgentId(req->id());
    if (st.ok()) {
      auto n = s_->opts.datastore->FetchAttestedNode(req->id());
      st = n.status();
      if (st.ok()) {
        n->serial_number.clear();
        n->new_serial_number.clear();
        st = s_->opts.datastore->UpdateAttestedNode(*n);
      }
    }
    s_->Audit(ctx, "BanAgent", st, {{"id", req->id()}});
    return ToGrpc(st);
  }

  grpc::Status CreateJoinToken(grpc::ServerContext* ctx, const pb::CreateJoinTokenRequest* req,
                               pb::JoinToken* resp) override {
    absl::Status st;
    if (req->ttl() <= 0) st = absl::InvalidArgumentError("ttl is required, you must provide one");
    if (st.ok() && !req->agent_id().empty()) {
      auto id = spiffe::SpiffeId::FromString(req->agent_id());
      if (!id.ok()) {
        st = absl::InvalidArgumentError(fmt::format("invalid agent ID: {}",
                                                    std::string(id.status().message())));
      } else if (id->GetTrustDomain().Name() != s_->opts.trust_domain) {
        st = absl::InvalidArgumentError(fmt::format(
            "invalid agent ID: \"{}\" is not a member of trust domain \"{}\"", req->agent_id(),
            s_->opts.trust_domain));
      }
    }
    JoinToken t;
    if (st.ok()) {
      t.token = NewUuid();
      t.expires_at = static_cast<int64_t>(time(nullptr)) + req->ttl();
      st = s_->opts.datastore->CreateJoinToken(t);
    }
    if (st.ok() && !req->agent_id().empty()) {
      // The agent that presents this token gets the requested ID through a node alias entry:
      // parent spiffe://<td>/spire/agent/join_token/<token>.
      Entry alias;
      alias.spiffe_id = req->agent_id();
      alias.parent_id = fmt::format("spiffe://{}/spire/agent/join_token/{}", s_->opts.trust_domain,
                                    t.token);
      alias.selectors.push_back({"spiffe_id", alias.parent_id});
      auto r = s_->opts.datastore->CreateEntries({alias});
      if (!r.ok()) st = r.status();
    }
    s_->Audit(ctx, "CreateJoinToken", st, {{"ttl", req->ttl()}, {"spiffe_id", req->agent_id()}});
    if (!st.ok()) return ToGrpc(st);
    resp->set_value(t.token);
    resp->set_expires_at(t.expires_at);
    return grpc::Status::OK;
  }

 private:
  absl::Status CheckAgentId(const std::string& text) {
    auto id = spiffe::SpiffeId::FromString(text);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid agent ID: {}", std::string(id.status().message())));
    }
    if (id->GetTrustDomain().Name() != s_->opts.trust_domain) {
      return absl::InvalidArgumentError(fmt::format(
          "invalid agent ID: \"{}\" is not a member of trust domain \"{}\"", text,
          s_->opts.trust_domain));
    }
    return absl::OkStatus();
  }
  static std::string NewUuid() {
    std::vector<uint8_t> b = crypto::RandomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    std::string h;
    for (size_t i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) h += '-';
      h += fmt::format("{:02x}", b[i]);
    }
    return h;
  }
  Shared* s_;
};

class BundleService final : public pb::BundleAPI::Service {
 public:
  explicit BundleService(Shared* s) : s_(s) {}
  grpc::Status GetBundle(grpc::ServerContext* ctx, const pb::GetBundleRequest*,
                         pb::Bundle* resp) override {
    absl::Status st;
    if (s_->opts.ca == nullptr) {
      st = absl::UnavailableError("the server has no CA");
    } else {
      ca::BundleData b = s_->opts.ca->Bundle();
      resp->set_trust_domain(s_->opts.trust_domain);
      for (const auto& der : b.x509_authorities) resp->add_x509_authorities(der);
      for (const auto& k : b.jwt_authorities) {
        auto* j = resp->add_jwt_authorities();
        j->set_public_key(k.public_key_der);
        j->set_key_id(k.key_id);
        j->set_expires_at(k.expires_at);
      }
      resp->set_refresh_hint(b.refresh_hint);
      resp->set_sequence_number(b.sequence_number);
    }
    s_->Audit(ctx, "GetBundle", st);
    return ToGrpc(st);
  }

 private:
  Shared* s_;
};

class SvidService final : public pb::SVIDAPI::Service {
 public:
  explicit SvidService(Shared* s) : s_(s) {}
  grpc::Status MintX509SVID(grpc::ServerContext* ctx, const pb::MintX509SVIDRequest* req,
                            pb::MintX509SVIDResponse* resp) override {
    absl::StatusOr<ca::X509Svid> svid = absl::UnavailableError("the server has no CA");
    if (s_->opts.ca != nullptr) svid = s_->opts.ca->MintX509SvidFromCsr(req->csr(), req->ttl());
    s_->Audit(ctx, "MintX509SVID", svid.status(),
              {{"spiffe_id", svid.ok() ? svid->spiffe_id : std::string()}, {"ttl", req->ttl()}});
    if (!svid.ok()) return ToGrpc(svid.status());
    for (const auto& der : svid->cert_chain) resp->add_cert_chain(der);
    resp->set_expires_at(svid->expires_at);
    return grpc::Status::OK;
  }
  grpc::Status MintJWTSVID(grpc::ServerContext* ctx, const pb::MintJWTSVIDRequest* req,
                           pb::MintJWTSVIDResponse* resp) override {
    absl::StatusOr<ca::JwtSvid> svid = absl::UnavailableError("the server has no CA");
    if (s_->opts.ca != nullptr) {
      std::vector<std::string> aud(req->audience().begin(), req->audience().end());
      svid = s_->opts.ca->MintJwtSvid(req->id(), aud, req->ttl());
    }
    s_->Audit(ctx, "MintJWTSVID", svid.status(), {{"spiffe_id", req->id()}, {"ttl", req->ttl()}});
    if (!svid.ok()) return ToGrpc(svid.status());
    resp->set_token(svid->token);
    resp->set_expires_at(svid->expires_at);
    return grpc::Status::OK;
  }

 private:
  Shared* s_;
};

// grpc.health.v1: SERVING when the datastore answers a read of the own bundle (spec §2.6).
class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(Shared* s) : s_(s) {}
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override {
    if (!req->service().empty()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
    auto b = s_->opts.datastore->FetchBundle(s_->opts.trust_domain);
    resp->set_status(b.ok() ? grpc::health::v1::HealthCheckResponse::SERVING
                            : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  Shared* s_;
};

}  // namespace

struct AdminServer::Impl {
  Shared shared;
  EntryService entry{&shared};
  AgentService agent{&shared};
  BundleService bundle{&shared};
  SvidService svid{&shared};
  HealthService health{&shared};
  std::unique_ptr<grpc::Server> server;
  int listen_fd = -1;
  int wake[2] = {-1, -1};
  std::thread acceptor;
  std::atomic<bool> stopped{false};

  void AcceptLoop() {
    for (;;) {
      pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (p[1].revents) return;
      int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      ucred uc{};
      socklen_t len = sizeof uc;
      PeerCred c;
      if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) c = {uc.pid, uc.uid, uc.gid};
      shared.peers.Set(fd, c);
      grpc::AddInsecureChannelFromFd(server.get(), fd);
    }
  }
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(AdminServerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->shared.opts = std::move(options);
  const std::string& path = impl->shared.opts.socket_path;

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(fmt::format("socket_path \"{}\" is too long", path));
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(fmt::format("socket: {}", std::strerror(errno)));
  ::unlink(path.c_str());
  // Owner-only from the moment the socket file exists.
  mode_t old = ::umask(0177);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int bind_errno = errno;
  ::umask(old);
  if (rc != 0 || listen(fd, 128) != 0) {
    ::close(fd);
    return absl::UnavailableError(fmt::format("cannot listen on socket_path \"{}\": {}", path,
                                              std::strerror(rc != 0 ? bind_errno : errno)));
  }
  impl->listen_fd = fd;
  if (pipe2(impl->wake, O_CLOEXEC) != 0) {
    ::close(fd);
    return absl::InternalError("pipe failed");
  }

  grpc::ServerBuilder builder;
  builder.RegisterService(&impl->entry);
  builder.RegisterService(&impl->agent);
  builder.RegisterService(&impl->bundle);
  builder.RegisterService(&impl->svid);
  builder.RegisterService(&impl->health);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  impl->server = builder.BuildAndStart();
  if (!impl->server) {
    ::close(fd);
    return absl::InternalError("cannot start the gRPC server");
  }
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->AcceptLoop(); });
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

void AdminServer::Shutdown() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  char b = 1;
  (void)!write(impl_->wake[1], &b, 1);
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  ::close(impl_->listen_fd);
  ::unlink(impl_->shared.opts.socket_path.c_str());
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  ::close(impl_->wake[0]);
  ::close(impl_->wake[1]);
}

}  // namespace dstart::server::api
