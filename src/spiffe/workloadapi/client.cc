#include "spiffe/workloadapi/client.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "common/encoding.h"
#include "fmt/format.h"
#include "spiffe/workloadapi/address.h"
#include "workload.grpc.pb.h"

namespace dstart::spiffe::workloadapi {
namespace {

absl::Status ToAbsl(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

absl::Status Prefixed(const absl::Status& s, std::string_view prefix) {
  return absl::Status(s.code(), fmt::format("{}: {}", std::string(prefix), std::string(s.message())));
}

void Prepare(grpc::ClientContext* ctx, std::chrono::milliseconds timeout) {
  ctx->AddMetadata("workload.spiffe.io", "true");
  if (timeout.count() > 0) ctx->set_deadline(std::chrono::system_clock::now() + timeout);
}

absl::StatusOr<Bundle> X509BundleFor(const std::string& key, const std::string& der) {
  auto td = TrustDomain::FromString(key);
  if (!td.ok()) return Prefixed(td.status(), fmt::format("bundle key \"{}\"", key));
  auto bundle = Bundle::FromX509Der(*td, AsBytes(der));
  if (!bundle.ok()) return Prefixed(bundle.status(), fmt::format("bundle for \"{}\"", key));
  return bundle;
}

// §7.6: what makes go-spiffe reject an X509SVIDResponse.
absl::StatusOr<X509Context> ParseX509SvidResponse(const X509SVIDResponse& r) {
  if (r.svids_size() == 0) return absl::InvalidArgumentError("no SVIDs in response");
  X509Context ctx;
  std::set<std::string> hints;
  for (int i = 0; i < r.svids_size(); ++i) {
    const X509SVID& s = r.svids(i);
    auto svid = X509Svid::ParseRaw(AsBytes(s.x509_svid()), AsBytes(s.x509_svid_key()));
    if (!svid.ok()) return Prefixed(svid.status(), fmt::format("svids[{}]", i));
    auto bundle = X509BundleFor(s.spiffe_id(), s.bundle());
    if (!bundle.ok()) return Prefixed(bundle.status(), fmt::format("svids[{}]", i));
    ctx.bundles.Set(std::move(*bundle));
    if (!s.hint().empty() && !hints.insert(s.hint()).second) continue;
    ctx.svids.push_back(std::move(*svid));
    ctx.hints.push_back(s.hint());
  }
  for (const auto& [key, der] : r.federated_bundles()) {
    auto bundle = X509BundleFor(key, der);
    if (!bundle.ok()) return Prefixed(bundle.status(), "federated_bundles");
    ctx.bundles.Set(std::move(*bundle));
  }
  return ctx;
}

}  // namespace

struct WatchCanceller::State {
  std::mutex mu;
  std::condition_variable cv;
  bool cancelled = false;
  grpc::ClientContext* active = nullptr;
};

WatchCanceller::WatchCanceller() : state_(std::make_shared<State>()) {}
WatchCanceller::~WatchCanceller() = default;

void WatchCanceller::Cancel() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->cancelled = true;
  if (state_->active) state_->active->TryCancel();
  state_->cv.notify_all();
}

bool WatchCanceller::cancelled() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->cancelled;
}

class Client::Impl {
 public:
  Impl(ClientOptions options, std::string target)
      : options_(std::move(options)),
        target_(std::move(target)),
        channel_(grpc::CreateChannel(target_, grpc::InsecureChannelCredentials())),
        stub_(SpiffeWorkloadAPI::NewStub(channel_)) {}

  const std::string& target() const { return target_; }

  template <typename Request, typename Response, typename StartFn>
  absl::StatusOr<Response> FirstMessage(StartFn start, std::chrono::milliseconds timeout) {
    grpc::ClientContext ctx;
    Prepare(&ctx, timeout);
    Request req;
    auto reader = start(&ctx, req);
    Response resp;
    if (reader->Read(&resp)) {
      ctx.TryCancel();
      reader->Finish();
      return resp;
    }
    grpc::Status s = reader->Finish();
    if (s.ok()) return absl::UnknownError("EOF: the stream ended without a message");
    return ToAbsl(s);
  }

  absl::StatusOr<X509Context> FetchX509Context(std::chrono::milliseconds timeout) {
    auto resp = FirstMessage<X509SVIDRequest, X509SVIDResponse>(
        [&](grpc::ClientContext* c, const X509SVIDRequest& r) { return stub_->FetchX509SVID(c, r); },
        timeout);
    if (!resp.ok()) return resp.status();
    return ParseX509SvidResponse(*resp);
  }

  absl::StatusOr<BundleSet> FetchX509Bundles(std::chrono::milliseconds timeout) {
    auto resp = FirstMessage<X509BundlesRequest, X509BundlesResponse>(
        [&](grpc::ClientContext* c, const X509BundlesRequest& r) {
          return stub_->FetchX509Bundles(c, r);
        },
        timeout);
    if (!resp.ok()) return resp.status();
    BundleSet set;
    for (const auto& [key, der] : resp->bundles()) {
      auto bundle = X509BundleFor(key, der);
      if (!bundle.ok()) return bundle.status();
      set.Set(std::move(*bundle));
    }
    return set;
  }

  absl::StatusOr<BundleSet> FetchJwtBundles(std::chrono::milliseconds timeout) {
    auto resp = FirstMessage<JWTBundlesRequest, JWTBundlesResponse>(
        [&](grpc::ClientContext* c, const JWTBundlesRequest& r) {
          return stub_->FetchJWTBundles(c, r);
        },
        timeout);
    if (!resp.ok()) return resp.status();
    BundleSet set;
    for (const auto& [key, jwks] : resp->bundles()) {
      auto td = TrustDomain::FromString(key);
      if (!td.ok()) return Prefixed(td.status(), fmt::format("bundle key \"{}\"", key));
      auto bundle = Bundle::FromJwks(*td, jwks);
      if (!bundle.ok()) return Prefixed(bundle.status(), fmt::format("JWT bundle for \"{}\"", key));
      set.Set(std::move(*bundle));
    }
    return set;
  }

  absl::StatusOr<std::vector<JwtSvid>> FetchJwtSvids(const std::vector<std::string>& audience,
                                                     std::string_view spiffe_id,
                                                     std::chrono::milliseconds timeout) {
    if (audience.empty()) return absl::InvalidArgumentError("audience must be specified");
    grpc::ClientContext ctx;
    Prepare(&ctx, timeout);
    JWTSVIDRequest req;
    for (const auto& a : audience) req.add_audience(a);
    req.set_spiffe_id(std::string(spiffe_id));
    JWTSVIDResponse resp;
    grpc::Status s = stub_->FetchJWTSVID(&ctx, req, &resp);
    if (!s.ok()) return ToAbsl(s);
    if (resp.svids_size() == 0) {
      return absl::InvalidArgumentError("there were no SVIDs in the response");
    }
    std::vector<JwtSvid> out;
    std::set<std::string> hints;
    for (int i = 0; i < resp.svids_size(); ++i) {
      const JWTSVID& j = resp.svids(i);
      if (!j.hint().empty() && !hints.insert(j.hint()).second) continue;
      auto svid = ParseInsecureJwtSvid(j.svid(), audience, std::chrono::system_clock::now());
      if (!svid.ok()) return Prefixed(svid.status(), fmt::format("svids[{}]", i));
      out.push_back(std::move(*svid));
    }
    return out;
  }

  absl::StatusOr<ValidatedJwt> ValidateJwtSvid(std::string_view token, std::string_view audience,
                                               std::chrono::milliseconds timeout) {
    grpc::ClientContext ctx;
    Prepare(&ctx, timeout);
    ValidateJWTSVIDRequest req;
    req.set_audience(std::string(audience));
    req.set_svid(std::string(token));
    ValidateJWTSVIDResponse resp;
    grpc::Status s = stub_->ValidateJWTSVID(&ctx, req, &resp);
    if (!s.ok()) return ToAbsl(s);
    auto svid = ParseInsecureJwtSvid(token, {std::string(audience)}, std::chrono::system_clock::now());
    if (!svid.ok()) return svid.status();
    std::string claims;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(resp.claims(), &claims, print).ok()) {
      claims = "{}";
    }
    return ValidatedJwt{svid->id, std::move(claims)};
  }

  absl::StatusOr<bool> CheckHealth(std::chrono::milliseconds timeout) {
    // grpc.health.v1.HealthCheckRequest{service: ""} is the empty message; the response's field 1
    // (varint) is the serving status, SERVING = 1.
    grpc::GenericStub generic(channel_);
    grpc::ClientContext ctx;
    if (timeout.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    grpc::ByteBuffer request;
    grpc::Slice empty("", 0);
    request = grpc::ByteBuffer(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status s = done.get_future().get();
    if (!s.ok()) return ToAbsl(s);
    std::vector<grpc::Slice> slices;
    response.Dump(&slices);
    std::string bytes;
    for (const auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    return bytes.size() >= 2 && bytes[0] == 0x08 && bytes[1] == 0x01;
  }

  absl::Status WatchX509Context(const std::function<void(X509Context)>& on_update,
                                const std::function<void(const absl::Status&)>& on_error,
                                const WatchCanceller& canceller) {
    auto st = canceller.state();
    auto backoff = options_.backoff_initial;
    for (;;) {
      grpc::ClientContext ctx;
      Prepare(&ctx, {});
      {
        std::lock_guard<std::mutex> lock(st->mu);
        if (st->cancelled) return absl::CancelledError("watch cancelled");
        st->active = &ctx;
      }
      auto reader = stub_->FetchX509SVID(&ctx, X509SVIDRequest());
      X509SVIDResponse resp;
      while (reader->Read(&resp)) {
        backoff = options_.backoff_initial;  // Reset before parsing, as go-spiffe does.
        auto parsed = ParseX509SvidResponse(resp);
        if (parsed.ok()) {
          on_update(std::move(*parsed));
        } else {
          on_error(parsed.status());
        }
      }
      grpc::Status s = reader->Finish();
      bool cancelled;
      {
        std::lock_guard<std::mutex> lock(st->mu);
        st->active = nullptr;
        cancelled = st->cancelled;
      }
      if (cancelled) return absl::CancelledError("watch cancelled");
      absl::Status err = s.ok() ? absl::UnknownError("EOF: the stream ended") : ToAbsl(s);
      on_error(err);
      if (err.code() == absl::StatusCode::kCancelled ||
          err.code() == absl::StatusCode::kInvalidArgument) {
        return err;
      }
      std::unique_lock<std::mutex> lock(st->mu);
      if (st->cv.wait_for(lock, backoff, [&] { return st->cancelled; })) {
        return absl::CancelledError("watch cancelled");
      }
      backoff = std::min(backoff + options_.backoff_step, options_.backoff_max);
    }
  }

 private:
  ClientOptions options_;
  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<SpiffeWorkloadAPI::Stub> stub_;
};

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  auto target = ResolveEndpointTarget(options.address);
  if (!target.ok()) return target.status();
  return std::unique_ptr<Client>(new Client(std::make_unique<Impl>(std::move(options), *target)));
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;
const std::string& Client::target() const { return impl_->target(); }
absl::StatusOr<X509Context> Client::FetchX509Context(std::chrono::milliseconds timeout) {
  return impl_->FetchX509Context(timeout);
}
absl::StatusOr<BundleSet> Client::FetchX509Bundles(std::chrono::milliseconds timeout) {
  return impl_->FetchX509Bundles(timeout);
}
absl::StatusOr<std::vector<JwtSvid>> Client::FetchJwtSvids(const std::vector<std::string>& audience,
                                                           std::string_view spiffe_id,
                                                           std::chrono::milliseconds timeout) {
  return impl_->FetchJwtSvids(audience, spiffe_id, timeout);
}
absl::StatusOr<BundleSet> Client::FetchJwtBundles(std::chrono::milliseconds timeout) {
  return impl_->FetchJwtBundles(timeout);
}
absl::StatusOr<ValidatedJwt> Client::ValidateJwtSvid(std::string_view token,
                                                     std::string_view audience,
                                                     std::chrono::milliseconds timeout) {
  return impl_->ValidateJwtSvid(token, audience, timeout);
}
absl::StatusOr<bool> Client::CheckHealth(std::chrono::milliseconds timeout) {
  return impl_->CheckHealth(timeout);
}
absl::Status Client::WatchX509Context(const std::function<void(X509Context)>& on_update,
                                      const std::function<void(const absl::Status&)>& on_error,
                                      const WatchCanceller& canceller) {
  return impl_->WatchX509Context(on_update, on_error, canceller);
}

struct X509Source::State {
  std::unique_ptr<Client> client;
  WatchCanceller canceller;
  std::thread thread;
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::shared_ptr<const X509Context> context;
  uint64_t updates = 0;
  absl::Status last_error;
  bool done = false;
  absl::Status result;
};

absl::StatusOr<std::unique_ptr<X509Source>> X509Source::Create(ClientOptions options,
                                                               std::chrono::milliseconds timeout) {
  auto client = Client::Create(std::move(options));
  if (!client.ok()) return client.status();
  std::unique_ptr<X509Source> source(new X509Source());
  auto st = std::make_shared<State>();
  st->client = std::move(*client);
  source->state_ = st;
  State* raw = st.get();
  st->thread = std::thread([raw] {
    absl::Status result = raw->client->WatchX509Context(
        [raw](X509Context ctx) {
          std::lock_guard<std::mutex> lock(raw->mu);
          raw->context = std::make_shared<const X509Context>(std::move(ctx));
          ++raw->updates;
          raw->cv.notify_all();
        },
        [raw](const absl::Status& err) {
          std::lock_guard<std::mutex> lock(raw->mu);
          raw->last_error = err;
          raw->cv.notify_all();
        },
        raw->canceller);
    std::lock_guard<std::mutex> lock(raw->mu);
    raw->done = true;
    raw->result = result;
    raw->cv.notify_all();
  });
  absl::Status failure;
  {
    std::unique_lock<std::mutex> lock(st->mu);
    bool ready = st->cv.wait_for(lock, timeout, [&] { return st->updates > 0 || st->done; });
    if (st->updates > 0) return source;
    if (ready) {
      failure = st->result;
    } else {
      failure = absl::DeadlineExceededError(fmt::format(
          "no X.509 context from the Workload API at {} within {} ms{}",
          st->client->target(), timeout.count(),
          st->last_error.ok() ? std::string()
                              : ": " + std::string(st->last_error.message())));
    }
  }
  source->Close();
  return failure;
}

X509Source::~X509Source() { Close(); }

void X509Source::Close() {
  if (!state_) return;
  state_->canceller.Cancel();
  if (state_->thread.joinable()) state_->thread.join();
}

std::shared_ptr<const X509Context> X509Source::Context() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->context;
}

uint64_t X509Source::updates() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->updates;
}

bool X509Source::WaitUntilUpdated(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->updates > seen; });
}

}  // namespace dstart::spiffe::workloadapi
