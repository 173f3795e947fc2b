#include "spiffe/jwk.h"

#include <fmt/format.h>

#include "absl/status/status.h"
#include "common/encoding.h"
#include "common/status.h"

namespace dstart::spiffe::jwk {
namespace {

absl::StatusOr<std::vector<uint8_t>> DecodeMember(const nlohmann::json& obj, std::string_view name,
                                                  std::string_view where) {
  DSTART_ASSIGN_OR_RETURN(std::string text, RequireString(obj, name, where));
  auto bytes = common::Base64UrlDecode(text);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(fmt::format("{}.{}: not base64url: {}", where, name,
                                                  std::string(bytes.status().message())));
  }
  if (bytes->empty()) {
    return absl::InvalidArgumentError(fmt::format("{}.{}: is empty", where, name));
  }
  return std::move(bytes).value();
}

absl::Status Prefixed(std::string_view where, const absl::Status& status) {
  return absl::Status(status.code(), fmt::format("{}: {}", where, std::string(status.message())));
}

}  // namespace

absl::StatusOr<std::string> RequireString(const nlohmann::json& obj, std::string_view name,
                                          std::string_view where) {
  auto it = obj.find(std::string(name));
  if (it == obj.end()) {
    return absl::InvalidArgumentError(fmt::format("{}: \"{}\" is missing", where, name));
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        fmt::format("{}.{}: must be a string, not {}", where, name, it->type_name()));
  }
  return it->get<std::string>();
}

void AddPublicKeyMembers(const crypto::PublicKey& key, nlohmann::ordered_json& out) {
  if (key.algorithm() == crypto::KeyAlgorithm::kEc) {
    auto point = key.EcCoordinates().value();  // Cannot fail for an EC key.
    out["kty"] = "EC";
    out["crv"] = std::string(crypto::CurveName(point.curve));
    out["x"] = common::Base64UrlEncode(point.x);
    out["y"] = common::Base64UrlEncode(point.y);
  } else {
    auto rsa = key.RsaParameters().value();  // Cannot fail for an RSA key.
    out["kty"] = "RSA";
    out["n"] = common::Base64UrlEncode(rsa.n);
    out["e"] = common::Base64UrlEncode(rsa.e);
  }
}

absl::StatusOr<std::optional<crypto::PublicKey>> PublicKeyFromJwk(const nlohmann::json& jwk,
                                                                  std::string_view where) {
  DSTART_ASSIGN_OR_RETURN(std::string kty, RequireString(jwk, "kty", where));
  if (kty == "EC") {
    DSTART_ASSIGN_OR_RETURN(std::string crv_name, RequireString(jwk, "crv", where));
    auto curve = crypto::ParseCurve(crv_name);
    if (!curve.ok()) {
      return absl::InvalidArgumentError(fmt::format(
          "{}.crv: unsupported curve \"{}\" (want P-256, P-384 or P-521)", where, crv_name));
    }
    DSTART_ASSIGN_OR_RETURN(auto x, DecodeMember(jwk, "x", where));
    DSTART_ASSIGN_OR_RETURN(auto y, DecodeMember(jwk, "y", where));
    size_t size = crypto::CurveFieldSize(*curve);
    for (auto [name, coord] : {std::pair{"x", &x}, std::pair{"y", &y}}) {
      if (coord->size() != size) {
        return absl::InvalidArgumentError(fmt::format(
            "{}.{}: EC coordinate is {} bytes, {} needs exactly {} (leading zeros kept)", where,
            name, coord->size(), crv_name, size));
      }
    }
    auto key = crypto::PublicKey::FromEcCoordinates(*curve, x, y);
    if (!key.ok()) return Prefixed(where, key.status());
    return std::optional<crypto::PublicKey>(std::move(key).value());
  }
  if (kty == "RSA") {
    DSTART_ASSIGN_OR_RETURN(auto n, DecodeMember(jwk, "n", where));
    DSTART_ASSIGN_OR_RETURN(auto e, DecodeMember(jwk, "e", where));
    auto key = crypto::PublicKey::FromRsaComponents(n, e);
    if (!key.ok()) return Prefixed(where, key.status());
    return std::optional<crypto::PublicKey>(std::move(key).value());
  }
  return std::optional<crypto::PublicKey>();
}

}  // namespace dstart::spiffe::jwk
