#include "server/ca/ca.h"

#include <chrono>
#include <ctime>
#include <mutex>

#include "common/encoding.h"
#include "common/file.h"
#include "common/log.h"
#include "common/status.h"
#include "crypto/cert_builder.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/random.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "server/ca/key_manager.h"
#include "server/datastore/datastore.h"
#include "spiffe/id.h"
#include "spiffe/jwt_svid.h"

namespace dstart::server::ca {
namespace {

using common::LogLevel;
using nlohmann::json;
using Clock = std::chrono::system_clock;

enum class Status { kPrepared, kActive, kOld };
const char* StatusName(Status s) {
  return s == Status::kPrepared ? "PREPARED" : s == Status::kActive ? "ACTIVE" : "OLD";
}
Status ParseStatus(const std::string& s) {
  return s == "PREPARED" ? Status::kPrepared : s == "ACTIVE" ? Status::kActive : Status::kOld;
}

struct X509Authority {
  std::string key_id;
  std::optional<crypto::PrivateKey> key;
  std::optional<crypto::Certificate> cert;
  std::vector<crypto::Certificate> upstream_chain;  // intermediates above cert, excluding roots
  int64_t issued_at = 0;
  int64_t not_after = 0;
  Status status = Status::kPrepared;
};

struct JwtKey {
  std::string kid;
  std::optional<crypto::PrivateKey> key;
  int64_t issued_at = 0;
  int64_t not_after = 0;
  Status status = Status::kPrepared;
};

int64_t ToUnix(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
Clock::time_point FromUnix(int64_t s) { return Clock::time_point(std::chrono::seconds(s)); }

std::string B64(const std::vector<uint8_t>& der) { return common::Base64Encode(der); }

class CaImpl final : public Ca {
 public:
  explicit CaImpl(CaOptions o) : o_(std::move(o)) {
    if (!o_.now) o_.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
    if (o_.jwt_key_type.empty()) o_.jwt_key_type = o_.ca_key_type;
  }

  absl::Status Init() {
    DSTART_ASSIGN_OR_RETURN(ca_type_, ParseType("ca_key_type", o_.ca_key_type));
    DSTART_ASSIGN_OR_RETURN(jwt_type_, ParseType("jwt_key_type", o_.jwt_key_type));
    DSTART_ASSIGN_OR_RETURN(keys_, KeyManager::Open(o_.keys_path));
    DSTART_RETURN_IF_ERROR(LoadUpstream());
    DSTART_RETURN_IF_ERROR(LoadBundle());
    DSTART_RETURN_IF_ERROR(LoadJournal());
    std::lock_guard lock(mu_);
    return RotateLocked();
  }

  BundleData Bundle() const override {
    std::lock_guard lock(mu_);
    return bundle_;
  }

  absl::StatusOr<X509Svid> MintX509SvidFromCsr(const std::string& csr_der,
                                               int ttl_seconds) override {
    auto csr = crypto::CertificateRequest::FromDer(common::AsBytes(csr_der));
    if (!csr.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid CSR: {}", std::string(csr.status().message())));
    }
    if (absl::Status st = csr->VerifySignature(); !st.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid CSR: signature verify failed: {}", std::string(st.message())));
    }
    std::vector<std::string> uris = csr->UriSans();
    if (uris.size() != 1) {
      return absl::InvalidArgumentError(
          "invalid CSR: the CSR must have exactly one URI SAN, the SPIFFE ID");
    }
    auto pub = csr->public_key();
    if (!pub.ok()) return pub.status();
    std::vector<uint8_t> pub_der = pub->ToDer();
    return MintX509Svid(uris[0], std::string(common::AsChars(pub_der)), csr->DnsSans(),
                        ttl_seconds);
  }

  absl::StatusOr<X509Svid> MintX509Svid(const std::string& spiffe_id,
                                        const std::string& public_key_der,
                                        const std::vector<std::string>& dns_names,
                                        int ttl_seconds) override {
    DSTART_RETURN_IF_ERROR(CheckMember(spiffe_id));
    if (ttl_seconds < 0) return absl::InvalidArgumentError("ttl: must not be negative");
    auto pub = crypto::PublicKey::FromDer(common::AsBytes(public_key_der));
    if (!pub.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid public key: {}", std::string(pub.status().message())));
    }
    int64_t ttl = ttl_seconds > 0 ? ttl_seconds : o_.default_x509_svid_ttl;
    std::lock_guard lock(mu_);
    const X509Authority* ca = ActiveX509();
    if (ca == nullptr) return absl::UnavailableError("no active X.509 authority");
    crypto::CertificateTemplate t = crypto::X509SvidTemplate(
        spiffe_id, dns_names, FromUnix(o_.now()), std::chrono::seconds(ttl));
    auto leaf = crypto::IssueCertificate(t, *pub, *ca->cert, *ca->key);
    if (!leaf.ok()) return leaf.status();
    X509Svid out;
    out.spiffe_id = spiffe_id;
    out.expires_at = ToUnix(leaf->NotAfter());
    out.cert_chain.push_back(Der(*leaf));
    if (!self_signed_) {
      out.cert_chain.push_back(Der(*ca->cert));
      for (const auto& c : ca->upstream_chain) out.cert_chain.push_back(Der(c));
    }
    return out;
  }

  absl::StatusOr<JwtSvid> MintJwtSvid(const std::string& spiffe_id,
                                      const std::vector<std::string>& audience,
                                      int ttl_seconds) override {
    DSTART_RETURN_IF_ERROR(CheckMember(spiffe_id));
    if (audience.empty()) return absl::InvalidArgumentError("at least one audience is required");
    if (ttl_seconds < 0) return absl::InvalidArgumentError("ttl: must not be negative");
    int64_t ttl = ttl_seconds > 0 ? ttl_seconds : o_.default_jwt_svid_ttl;
    std::lock_guard lock(mu_);
    const JwtKey* k = ActiveJwt();
    if (k == nullptr) return absl::UnavailableError("no active JWT authority");
    int64_t now = o_.now();
    spiffe::JwtSvidClaims claims{*spiffe::SpiffeId::FromString(spiffe_id), audience,
                                 FromUnix(now), FromUnix(std::min(now + ttl, k->not_after))};
    auto token = spiffe::SignJwtSvid(claims, *k->key, k->kid);
    if (!token.ok()) return token.status();
    return JwtSvid{*token, std::min(now + ttl, k->not_after)};
  }

  absl::Status Rotate() override {
    std::lock_guard lock(mu_);
    return RotateLocked();
  }

 private:
  static std::string Der(const crypto::Certificate& c) {
    std::vector<uint8_t> d = c.ToDer();
    return std::string(d.begin(), d.end());
  }

  absl::StatusOr<crypto::KeyType> ParseType(const char* field, const std::string& name) {
    auto t = crypto::ParseKeyType(name);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("{} \"{}\": {}", field, name, std::string(t.status().message())));
    }
    return *t;
  }

  absl::Status CheckMember(const std::string& spiffe_id) {
    auto id = spiffe::SpiffeId::FromString(spiffe_id);
    if (!id.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid SPIFFE ID \"{}\": {}", spiffe_id, std::string(id.status().message())));
    }
    if (id->GetTrustDomain().Name() != o_.trust_domain) {
      return absl::InvalidArgumentError(fmt::format(
          "invalid SPIFFE ID \"{}\": not a member of trust domain \"{}\"", spiffe_id,
          o_.trust_domain));
    }
    if (id->Path().empty()) {
      return absl::InvalidArgumentError(
          fmt::format("invalid SPIFFE ID \"{}\": path cannot be empty", spiffe_id));
    }
    return absl::OkStatus();
  }

  // UpstreamAuthority "disk": read on every CA signing, as SPIRE does; checked at start.
  absl::Status LoadUpstream() {
    self_signed_ = o_.upstream_cert_file.empty();
    if (self_signed_) return absl::OkStatus();
    auto read = [](const char* field, const std::string& path) -> absl::StatusOr<std::string> {
      auto text = common::ReadFile(path);
      if (!text.ok()) {
        return absl::Status(text.status().code(),
                            fmt::format("UpstreamAuthority \"disk\" {} \"{}\": {}", field, path,
                                        std::string(text.status().message())));
      }
      return *text;
    };
    DSTART_ASSIGN_OR_RETURN(std::string cert_pem, read("cert_file_path", o_.upstream_cert_file));
    DSTART_ASSIGN_OR_RETURN(std::string key_pem, read("key_file_path", o_.upstream_key_file));
    auto chain = crypto::Certificate::ChainFromPem(cert_pem);
    if (!chain.ok() || chain->empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "UpstreamAuthority \"disk\" cert_file_path \"{}\": {}", o_.upstream_cert_file,
          chain.ok() ? "no certificate" : std::string(chain.status().message())));
    }
    auto key = crypto::PrivateKey::FromPem(key_pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(fmt::format("UpstreamAuthority \"disk\" key_file_path \"{}\": {}",
                                                    o_.upstream_key_file,
                                                    std::string(key.status().message())));
    }
    auto cert_pub = (*chain)[0].public_key();
    if (!cert_pub.ok() || !key->Matches(*cert_pub)) {
      return absl::InvalidArgumentError(fmt::format(
          "UpstreamAuthority \"disk\" key_file_path \"{}\": the key does not match the certificate "
          "in cert_file_path \"{}\"",
          o_.upstream_key_file, o_.upstream_cert_file));
    }
    if (!(*chain)[0].IsCa()) {
      return absl::InvalidArgumentError(fmt::format(
          "UpstreamAuthority \"disk\" cert_file_path \"{}\": not a CA certificate",
          o_.upstream_cert_file));
    }
    upstream_cert_ = (*chain)[0];
    upstream_key_ = *key;
    if (o_.upstream_bundle_file.empty()) {
      // Without a bundle the upstream certificate must be a self-signed root (spec §6.2).
      if (chain->size() != 1 || upstream_cert_->Subject() != upstream_cert_->Issuer()) {
        return absl::InvalidArgumentError(fmt::format(
            "UpstreamAuthority \"disk\" cert_file_path \"{}\": without bundle_file_path it must "
            "hold one self-signed CA certificate",
            o_.upstream_cert_file));
      }
      upstream_roots_ = {upstream_cert_.value()};
    } else {
      DSTART_ASSIGN_OR_RETURN(std::string bundle_pem, read("bundle_file_path", o_.upstream_bundle_file));
      auto roots = crypto::Certificate::ChainFromPem(bundle_pem);
      if (!roots.ok() || roots->empty()) {
        return absl::InvalidArgumentError(fmt::format(
            "UpstreamAuthority \"disk\" bundle_file_path \"{}\": no certificate",
            o_.upstream_bundle_file));
      }
      upstream_roots_ = *roots;
      upstream_intermediates_.assign(chain->begin(), chain->end());
    }
    return absl::OkStatus();
  }

  crypto::DistinguishedName Subject() const {
    crypto::DistinguishedName dn;
    for (const auto& c : o_.subject_country) dn.push_back({"C", c});
    for (const auto& org : o_.subject_organization) dn.push_back({"O", org});
    if (!o_.subject_common_name.empty()) dn.push_back({"CN", o_.subject_common_name});
    // A serial number attribute keeps successive CA subjects distinct (spec §6.2).
    dn.push_back({"serialNumber", std::to_string(++subject_serial_ + o_.now())});
    return dn;
  }

  absl::StatusOr<X509Authority> NewX509Authority() {
    X509Authority a;
    a.key_id = "x509-CA-" + crypto::RandomHex(8);
    DSTART_ASSIGN_OR_RETURN(a.key, keys_->Generate(a.key_id, ca_type_));
    int64_t now = o_.now();
    std::string td_id = "spiffe://" + o_.trust_domain;
    if (self_signed_) {
      auto t = crypto::RootCaTemplate(Subject(), td_id, FromUnix(now), std::chrono::seconds(o_.ca_ttl));
      DSTART_ASSIGN_OR_RETURN(a.cert, crypto::SelfSignCertificate(t, *a.key));
    } else {
      auto t = crypto::IntermediateCaTemplate(Subject(), td_id, FromUnix(now),
                                              std::chrono::seconds(o_.ca_ttl));
      DSTART_ASSIGN_OR_RETURN(a.cert, crypto::IssueCertificate(t, a.key->Public(), *upstream_cert_,
                                                               *upstream_key_));
      a.upstream_chain = upstream_intermediates_;
    }
    a.issued_at = now;
    a.not_after = ToUnix(a.cert->NotAfter());
    DSTART_LOG_INFO(*o_.logger, "X509 CA prepared",
                    {{"local_authority_id", a.key_id},
                     {"expiration", a.not_after},
                     {"self_signed", self_signed_}});
    return a;
  }

  absl::StatusOr<JwtKey> NewJwtKey() {
    JwtKey k;
    k.kid = crypto::RandomHex(16);
    DSTART_ASSIGN_OR_RETURN(k.key, keys_->Generate("JWT-Signer-" + k.kid, jwt_type_));
    k.issued_at = o_.now();
    k.not_after = k.issued_at + o_.ca_ttl;
    DSTART_LOG_INFO(*o_.logger, "JWT key prepared",
                    {{"local_authority_id", k.kid}, {"expiration", k.not_after}});
    return k;
  }

  const X509Authority* ActiveX509() const {
    for (const auto& a : x509_) {
      if (a.status == Status::kActive) return &a;
    }
    return nullptr;
  }
  const JwtKey* ActiveJwt() const {
    for (const auto& k : jwt_) {
      if (k.status == Status::kActive) return &k;
    }
    return nullptr;
  }

  // Prepare at half life, activate with a sixth left (spec §6.2); first start activates at once.
  absl::Status RotateLocked() {
    int64_t now = o_.now();
    bool changed = false;
    auto step = [&](auto& slots, auto make) -> absl::Status {
      using T = typename std::decay_t<decltype(slots)>::value_type;
      T* active = nullptr;
      T* prepared = nullptr;
      for (auto& s : slots) {
        if (s.status == Status::kActive) active = &s;
        if (s.status == Status::kPrepared) prepared = &s;
      }
      if (active != nullptr && active->not_after <= now) {
        active->status = Status::kOld;
        active = nullptr;
        changed = true;
      }
      if (active == nullptr) {
        if (prepared == nullptr || prepared->not_after <= now) {
          DSTART_ASSIGN_OR_RETURN(T fresh, make());
          slots.push_back(std::move(fresh));
          prepared = &slots.back();
        }
        prepared->status = Status::kActive;
        changed = true;
        return absl::OkStatus();
      }
      int64_t life = active->not_after - active->issued_at;
      int64_t left = active->not_after - now;
      if (prepared == nullptr && left <= life / 2) {
        DSTART_ASSIGN_OR_RETURN(T fresh, make());
        // push_back may move elements: find the active one again afterwards.
        slots.push_back(std::move(fresh));
        changed = true;
        for (auto& s : slots) {
          if (s.status == Status::kActive) active = &s;
        }
        prepared = &slots.back();
      }
      if (prepared != nullptr && left <= life / 6) {
        active->status = Status::kOld;
        prepared->status = Status::kActive;
        changed = true;
      }
      return absl::OkStatus();
    };
    DSTART_RETURN_IF_ERROR(step(x509_, [&] { return NewX509Authority(); }));
    DSTART_RETURN_IF_ERROR(step(jwt_, [&] { return NewJwtKey(); }));
    // Old authorities leave the journal (and their keys the key manager) once expired.
    size_t before = x509_.size() + jwt_.size();
    std::erase_if(x509_, [&](const X509Authority& a) { return a.status == Status::kOld && a.not_after <= now; });
    std::erase_if(jwt_, [&](const JwtKey& k) { return k.status == Status::kOld && k.not_after <= now; });
    if (x509_.size() + jwt_.size() != before) changed = true;
    if (!changed && !journal_dirty_) return absl::OkStatus();
    DSTART_RETURN_IF_ERROR(SaveJournal());
    DSTART_RETURN_IF_ERROR(UpdateBundle());
    if (const auto* a = ActiveX509()) {
      DSTART_LOG_INFO(*o_.logger, "X509 CA activated",
                      {{"local_authority_id", a->key_id}, {"expiration", a->not_after}});
    }
    return absl::OkStatus();
  }

  absl::Status SaveJournal() {
    json x = json::array(), j = json::array();
    std::vector<std::string> ids;
    for (const auto& a : x509_) {
      json chain = json::array();
      for (const auto& c : a.upstream_chain) chain.push_back(B64(c.ToDer()));
      x.push_back({{"key_id", a.key_id},
                   {"cert", B64(a.cert->ToDer())},
                   {"upstream_chain", chain},
                   {"issued_at", a.issued_at},
                   {"not_after", a.not_after},
                   {"status", StatusName(a.status)}});
      ids.push_back(a.key_id);
    }
    for (const auto& k : jwt_) {
      j.push_back({{"kid", k.kid},
                   {"issued_at", k.issued_at},
                   {"not_after", k.not_after},
                   {"status", StatusName(k.status)}});
      ids.push_back("JWT-Signer-" + k.kid);
    }
    DSTART_RETURN_IF_ERROR(o_.datastore->SetCaJournal(json{{"x509", x}, {"jwt", j}}.dump()));
    journal_dirty_ = false;
    return keys_->Retain(ids);
  }

  // Restores the authorities recorded in the journal whose keys the key manager still has.
  absl::Status LoadJournal() {
    DSTART_ASSIGN_OR_RETURN(std::optional<std::string> data, o_.datastore->FetchCaJournal());
    if (!data) return absl::OkStatus();
    json doc = json::parse(*data, nullptr, false);
    if (doc.is_discarded()) return absl::DataLossError("the CA journal in the datastore is corrupt");
    for (const json& e : doc.value("x509", json::array())) {
      X509Authority a;
      a.key_id = e.value("key_id", "");
      auto key = keys_->Get(a.key_id);
      if (!key) {
        journal_dirty_ = true;
        continue;  // memory key manager after a restart: this authority cannot sign any more
      }
      auto der = common::Base64Decode(e.value("cert", ""));
      if (!der.ok()) return absl::DataLossError("the CA journal holds a corrupt certificate");
      auto cert = crypto::Certificate::FromDer(*der);
      if (!cert.ok()) return absl::DataLossError("the CA journal holds a corrupt certificate");
      a.key = *key;
      a.cert = *cert;
      for (const json& c : e.value("upstream_chain", json::array())) {
        auto d = common::Base64Decode(c.get<std::string>());
        if (!d.ok()) return absl::DataLossError("the CA journal holds a corrupt certificate");
        auto ic = crypto::Certificate::FromDer(*d);
        if (!ic.ok()) return absl::DataLossError("the CA journal holds a corrupt certificate");
        a.upstream_chain.push_back(*ic);
      }
      a.issued_at = e.value("issued_at", int64_t{0});
      a.not_after = e.value("not_after", int64_t{0});
      a.status = ParseStatus(e.value("status", "OLD"));
      x509_.push_back(std::move(a));
    }
    for (const json& e : doc.value("jwt", json::array())) {
      JwtKey k;
      k.kid = e.value("kid", "");
      auto key = keys_->Get("JWT-Signer-" + k.kid);
      if (!key) {
        journal_dirty_ = true;
        continue;
      }
      k.key = *key;
      k.issued_at = e.value("issued_at", int64_t{0});
      k.not_after = e.value("not_after", int64_t{0});
      k.status = ParseStatus(e.value("status", "OLD"));
      jwt_.push_back(std::move(k));
    }
    return absl::OkStatus();
  }

  absl::Status LoadBundle() {
    DSTART_ASSIGN_OR_RETURN(std::optional<std::string> data, o_.datastore->FetchBundle(o_.trust_domain));
    if (!data) return absl::OkStatus();
    json doc = json::parse(*data, nullptr, false);
    if (doc.is_discarded()) return absl::DataLossError("the stored trust bundle is corrupt");
    for (const json& c : doc.value("x509_authorities", json::array())) {
      auto d = common::Base64Decode(c.get<std::string>());
      if (!d.ok()) return absl::DataLossError("the stored trust bundle is corrupt");
      bundle_.x509_authorities.emplace_back(d->begin(), d->end());
    }
    for (const json& k : doc.value("jwt_authorities", json::array())) {
      auto d = common::Base64Decode(k.value("public_key", ""));
      if (!d.ok()) return absl::DataLossError("the stored trust bundle is corrupt");
      bundle_.jwt_authorities.push_back(
          {k.value("key_id", ""), std::string(d->begin(), d->end()), k.value("expires_at", int64_t{0})});
    }
    bundle_.sequence_number = doc.value("sequence_number", uint64_t{0});
    bundle_.refresh_hint = doc.value("refresh_hint", int64_t{0});
    return absl::OkStatus();
  }

  // Roots: the upstream roots, or every unexpired self-signed CA (current, next, old); JWT
  // keys: every unexpired key. The sequence grows whenever the content changes.
  absl::Status UpdateBundle() {
    int64_t now = o_.now();
    BundleData next;
    next.refresh_hint = std::max<int64_t>(1, std::min<int64_t>(300, o_.ca_ttl / 10));
    auto add_root = [&](const std::string& der) {
      for (const auto& r : next.x509_authorities) {
        if (r == der) return;
      }
      next.x509_authorities.push_back(der);
    };
    // Keep roots already published that are still valid (an upstream root that rotated stays
    // until it expires).
    for (const auto& der : bundle_.x509_authorities) {
      auto c = crypto::Certificate::FromDer(common::AsBytes(der));
      if (c.ok() && ToUnix(c->NotAfter()) > now) add_root(der);
    }
    if (self_signed_) {
      for (const auto& a : x509_) add_root(Der(*a.cert));
    } else {
      for (const auto& r : upstream_roots_) add_root(Der(r));
    }
    for (const auto& k : jwt_) {
      std::vector<uint8_t> pub = k.key->Public().ToDer();
      next.jwt_authorities.push_back({k.kid, std::string(pub.begin(), pub.end()), k.not_after});
    }
    bool same = next.x509_authorities == bundle_.x509_authorities &&
                next.jwt_authorities.size() == bundle_.jwt_authorities.size();
    if (same) {
      for (size_t i = 0; i < next.jwt_authorities.size(); ++i) {
        same = same && next.jwt_authorities[i].key_id == bundle_.jwt_authorities[i].key_id;
      }
    }
    if (same && bundle_.sequence_number > 0) return absl::OkStatus();
    next.sequence_number = bundle_.sequence_number + 1;
    json x = json::array(), j = json::array();
    for (const auto& der : next.x509_authorities) x.push_back(B64(std::vector<uint8_t>(der.begin(), der.end())));
    for (const auto& k : next.jwt_authorities) {
      j.push_back({{"key_id", k.key_id},
                   {"public_key", B64(std::vector<uint8_t>(k.public_key_der.begin(), k.public_key_der.end()))},
                   {"expires_at", k.expires_at}});
    }
    DSTART_RETURN_IF_ERROR(o_.datastore->SetBundle(
        o_.trust_domain, json{{"x509_authorities", x},
                              {"jwt_authorities", j},
                              {"sequence_number", next.sequence_number},
                              {"refresh_hint", next.refresh_hint}}
                             .dump()));
    bundle_ = std::move(next);
    DSTART_LOG_INFO(*o_.logger, "Bundle updated",
                    {{"sequence_number", static_cast<int64_t>(bundle_.sequence_number)},
                     {"x509_authorities", static_cast<int64_t>(bundle_.x509_authorities.size())},
                     {"jwt_authorities", static_cast<int64_t>(bundle_.jwt_authorities.size())}});
    return absl::OkStatus();
  }

  CaOptions o_;
  crypto::KeyType ca_type_{};
  crypto::KeyType jwt_type_{};
  std::unique_ptr<KeyManager> keys_;
  bool self_signed_ = true;
  std::optional<crypto::Certificate> upstream_cert_;
  std::optional<crypto::PrivateKey> upstream_key_;
  std::vector<crypto::Certificate> upstream_roots_;
  std::vector<crypto::Certificate> upstream_intermediates_;

  mutable std::mutex mu_;
  mutable int64_t subject_serial_ = 0;
  bool journal_dirty_ = false;
  std::vector<X509Authority> x509_;
  std::vector<JwtKey> jwt_;
  BundleData bundle_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Ca>> Ca::Start(CaOptions options) {
  auto ca = std::make_unique<CaImpl>(std::move(options));
  DSTART_RETURN_IF_ERROR(ca->Init());
  return std::unique_ptr<Ca>(std::move(ca));
}

}  // namespace dstart::server::ca
