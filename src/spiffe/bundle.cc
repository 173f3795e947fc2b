#include "spiffe/bundle.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/status.h"
#include "spiffe/jwk.h"

namespace dstart::spiffe {
namespace {

constexpr std::string_view kX509SvidUse = "x509-svid";
constexpr std::string_view kJwtSvidUse = "jwt-svid";

absl::Status WithContext(std::string_view context, const absl::Status& status) {
  return absl::Status(status.code(), fmt::format("{}: {}", context, std::string(status.message())));
}

// nlohmann reports syntax errors by exception; they end here, with the position it gives.
absl::StatusOr<nlohmann::json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(fmt::format("{} is not valid JSON: {}", what, e.what()));
  }
}

absl::StatusOr<const nlohmann::json*> KeysArray(const nlohmann::json& doc, std::string_view what) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: must be a JSON object, not {}", what, doc.type_name()));
  }
  auto keys = doc.find("keys");
  if (keys == doc.end()) {
    return absl::InvalidArgumentError(fmt::format("{}: \"keys\" is missing", what));
  }
  if (!keys->is_array()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: \"keys\" must be an array, not {}", what, keys->type_name()));
  }
  return &*keys;
}

absl::Status AddX509Entry(const nlohmann::json& key, const std::string& where, Bundle& bundle) {
  auto x5c = key.find("x5c");
  if (x5c == key.end()) {
    return absl::InvalidArgumentError(fmt::format("{}: \"x5c\" is missing", where));
  }
  if (!x5c->is_array() || x5c->size() != 1) {
    return absl::InvalidArgumentError(fmt::format(
        "{}.x5c: must be an array of exactly one certificate, got {}", where,
        x5c->is_array() ? fmt::format("{} elements", x5c->size()) : std::string(x5c->type_name())));
  }
  if (!(*x5c)[0].is_string()) {
    return absl::InvalidArgumentError(fmt::format("{}.x5c[0]: must be a string", where));
  }
  auto der = common::Base64Decode((*x5c)[0].get<std::string>());
  if (!der.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}.x5c[0]: not standard base64: {}", where,
                                                  std::string(der.status().message())));
  }
  auto cert = crypto::Certificate::FromDer(*der);
  if (!cert.ok()) return WithContext(fmt::format("{}.x5c[0]", where), cert.status());
  auto cert_key = cert->public_key();
  if (!cert_key.ok()) {
    return WithContext(fmt::format("{}.x5c[0]: unsupported certificate key", where),
                       cert_key.status());
  }
  // When the entry also carries key members (as RFC 7517 asks), they must be the certificate's.
  if (key.contains("x") || key.contains("n")) {
    DSTART_ASSIGN_OR_RETURN(auto members, jwk::PublicKeyFromJwk(key, where));
    if (members && !(*members == *cert_key)) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: the key members do not match the public key of the certificate in x5c", where));
    }
  }
  bundle.AddX509Authority(*cert);
  return absl::OkStatus();
}

absl::Status AddJwtEntry(const nlohmann::json& key, const std::string& where, Bundle& bundle) {
  DSTART_ASSIGN_OR_RETURN(std::string kid, jwk::RequireString(key, "kid", where));
  if (kid.empty()) return absl::InvalidArgumentError(fmt::format("{}.kid: is empty", where));
  if (bundle.FindJwtAuthority(kid) != nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("{}.kid: duplicate key ID \"{}\" in the bundle", where, kid));
  }
  DSTART_ASSIGN_OR_RETURN(auto pub, jwk::PublicKeyFromJwk(key, where));
  if (!pub) return absl::OkStatus();  // Unknown kty: the entry is ignored (§4.1).
  return bundle.AddJwtAuthority(kid, *pub);
}

absl::StatusOr<uint64_t> ReadUnsigned(const nlohmann::json& value, std::string_view name) {
  if (!value.is_number_unsigned()) {
    return absl::InvalidArgumentError(
        fmt::format("SPIFFE bundle: \"{}\" must be a non-negative integer, not {}", name,
                    value.is_number() ? value.dump() : std::string(value.type_name())));
  }
  return value.get<uint64_t>();
}

}  // namespace

absl::StatusOr<Bundle> Bundle::FromX509Pem(const TrustDomain& td, std::string_view pem) {
  auto certs = crypto::Certificate::ChainFromPem(pem);
  if (!certs.ok()) {
    return WithContext(fmt::format("X.509 bundle of \"{}\"", td.Name()), certs.status());
  }
  Bundle bundle(td);
  for (const auto& c : *certs) bundle.AddX509Authority(c);
  return bundle;
}

absl::StatusOr<Bundle> Bundle::FromX509Der(const TrustDomain& td, std::span<const uint8_t> der) {
  Bundle bundle(td);
  if (der.empty()) return bundle;
  auto certs = crypto::Certificate::ChainFromDer(der);
  if (!certs.ok()) {
    return WithContext(fmt::format("X.509 bundle of \"{}\"", td.Name()), certs.status());
  }
  for (const auto& c : *certs) bundle.AddX509Authority(c);
  return bundle;
}

absl::StatusOr<Bundle> Bundle::FromJson(const TrustDomain& td, std::string_view json) {
  DSTART_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJson(json, "SPIFFE bundle"));
  DSTART_ASSIGN_OR_RETURN(const nlohmann::json* keys, KeysArray(doc, "SPIFFE bundle"));
  Bundle bundle(td);
  if (auto seq = doc.find("spiffe_sequence"); seq != doc.end()) {
    DSTART_ASSIGN_OR_RETURN(uint64_t n, ReadUnsigned(*seq, "spiffe_sequence"));
    bundle.sequence_ = n;
  }
  if (auto hint = doc.find("spiffe_refresh_hint"); hint != doc.end()) {
    DSTART_ASSIGN_OR_RETURN(uint64_t n, ReadUnsigned(*hint, "spiffe_refresh_hint"));
    if (n > static_cast<uint64_t>(std::chrono::seconds::max().count())) {
      return absl::InvalidArgumentError("SPIFFE bundle: \"spiffe_refresh_hint\" is too large");
    }
    bundle.refresh_hint_ = std::chrono::seconds(static_cast<int64_t>(n));
  }
  for (size_t i = 0; i < keys->size(); ++i) {
    const nlohmann::json& key = (*keys)[i];
    std::string where = fmt::format("SPIFFE bundle: keys[{}]", i);
    if (!key.is_object()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: must be a JSON object, not {}", where, key.type_name()));
    }
    DSTART_ASSIGN_OR_RETURN(std::string kty, jwk::RequireString(key, "kty", where));
    auto use = key.find("use");
    if (use == key.end()) continue;  // §4.1: an entry without "use" is ignored.
    if (!use->is_string()) {
      return absl::InvalidArgumentError(fmt::format("{}.use: must be a string", where));
    }
    if (*use == kX509SvidUse) {
      DSTART_RETURN_IF_ERROR(AddX509Entry(key, where, bundle));
    } else if (*use == kJwtSvidUse) {
      DSTART_RETURN_IF_ERROR(AddJwtEntry(key, where, bundle));
    }
    // Any other use (e.g. "wit-svid") is ignored.
  }
  return bundle;
}

absl::StatusOr<Bundle> Bundle::FromJwks(const TrustDomain& td, std::string_view json) {
  DSTART_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJson(json, "JWT bundle"));
  DSTART_ASSIGN_OR_RETURN(const nlohmann::json* keys, KeysArray(doc, "JWT bundle"));
  Bundle bundle(td);
  for (size_t i = 0; i < keys->size(); ++i) {
    const nlohmann::json& key = (*keys)[i];
    std::string where = fmt::format("JWT bundle: keys[{}]", i);
    if (!key.is_object()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: must be a JSON object, not {}", where, key.type_name()));
    }
    if (auto use = key.find("use"); use != key.end() && *use != kJwtSvidUse) {
      return absl::InvalidArgumentError(
          fmt::format("{}.use: a JWT bundle holds only jwt-svid keys, not {}", where, use->dump()));
    }
    DSTART_RETURN_IF_ERROR(AddJwtEntry(key, where, bundle));
  }
  return bundle;
}

std::string Bundle::ToX509Pem() const { return crypto::Certificate::ChainToPem(x509_); }

std::vector<uint8_t> Bundle::ToX509Der() const { return crypto::Certificate::ChainToDer(x509_); }

std::string Bundle::ToJson(int indent) const {
  nlohmann::ordered_json doc;
  doc["keys"] = nlohmann::ordered_json::array();
  for (const auto& cert : x509_) {
    nlohmann::ordered_json entry;
    entry["use"] = kX509SvidUse;
    if (auto key = cert.public_key(); key.ok()) jwk::AddPublicKeyMembers(*key, entry);
    entry["x5c"] = nlohmann::ordered_json::array({common::Base64Encode(cert.ToDer())});
    doc["keys"].push_back(std::move(entry));
  }
  for (const auto& [kid, key] : jwt_) {
    nlohmann::ordered_json entry;
    entry["use"] = kJwtSvidUse;
    entry["kid"] = kid;
    jwk::AddPublicKeyMembers(key, entry);
    doc["keys"].push_back(std::move(entry));
  }
  if (sequence_) doc["spiffe_sequence"] = *sequence_;
  if (refresh_hint_) doc["spiffe_refresh_hint"] = refresh_hint_->count();
  return doc.dump(indent);
}

std::string Bundle::ToJwks() const {
  nlohmann::ordered_json doc;
  doc["keys"] = nlohmann::ordered_json::array();
  for (const auto& [kid, key] : jwt_) {
    nlohmann::ordered_json entry;
    entry["kid"] = kid;
    jwk::AddPublicKeyMembers(key, entry);
    doc["keys"].push_back(std::move(entry));
  }
  return doc.dump();
}

void Bundle::AddX509Authority(const crypto::Certificate& cert) {
  if (!HasX509Authority(cert)) x509_.push_back(cert);
}

void Bundle::SetX509Authorities(std::vector<crypto::Certificate> certs) {
  x509_.clear();
  for (auto& c : certs) AddX509Authority(c);
}

bool Bundle::HasX509Authority(const crypto::Certificate& cert) const {
  return std::find(x509_.begin(), x509_.end(), cert) != x509_.end();
}

absl::Status Bundle::AddJwtAuthority(std::string_view kid, const crypto::PublicKey& key) {
  if (kid.empty()) return absl::InvalidArgumentError("JWT authority key ID cannot be empty");
  jwt_.insert_or_assign(std::string(kid), key);
  return absl::OkStatus();
}

void Bundle::RemoveJwtAuthority(std::string_view kid) {
  if (auto it = jwt_.find(kid); it != jwt_.end()) jwt_.erase(it);
}

const crypto::PublicKey* Bundle::FindJwtAuthority(std::string_view kid) const {
  auto it = jwt_.find(kid);
  return it == jwt_.end() ? nullptr : &it->second;
}

bool Bundle::operator==(const Bundle& other) const {
  if (!(td_ == other.td_) || sequence_ != other.sequence_ || refresh_hint_ != other.refresh_hint_ ||
      !(x509_ == other.x509_) || jwt_.size() != other.jwt_.size()) {
    return false;
  }
  for (const auto& [kid, key] : jwt_) {
    const crypto::PublicKey* theirs = other.FindJwtAuthority(kid);
    if (theirs == nullptr || !(*theirs == key)) return false;
  }
  return true;
}

void BundleSet::Set(Bundle bundle) {
  TrustDomain td = bundle.trust_domain();
  bundles_.insert_or_assign(std::move(td), std::move(bundle));
}

void BundleSet::Remove(const TrustDomain& td) { bundles_.erase(td); }

const Bundle* BundleSet::Find(const TrustDomain& td) const {
  auto it = bundles_.find(td);
  return it == bundles_.end() ? nullptr : &it->second;
}

absl::StatusOr<const Bundle*> BundleSet::Get(const TrustDomain& td) const {
  const Bundle* b = Find(td);
  if (b == nullptr) {
    return absl::NotFoundError(fmt::format("no bundle for trust domain \"{}\"", td.Name()));
  }
  return b;
}

}  // namespace dstart::spiffe
