#include "spiffe/jwt_svid.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/signature.h"

namespace dstart::spiffe {
namespace {

using nlohmann::json;

struct AlgInfo {
  JwtAlgorithm alg;
  std::string_view name;
  crypto::Hash hash;
  crypto::KeyAlgorithm family;
  crypto::RsaPadding padding;          // RSA only.
  std::optional<crypto::Curve> curve;  // EC only.
};

constexpr AlgInfo kAlgs[] = {
    {JwtAlgorithm::kRS256, "RS256", crypto::Hash::kSha256, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPkcs1v15, std::nullopt},
    {JwtAlgorithm::kRS384, "RS384", crypto::Hash::kSha384, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPkcs1v15, std::nullopt},
    {JwtAlgorithm::kRS512, "RS512", crypto::Hash::kSha512, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPkcs1v15, std::nullopt},
    {JwtAlgorithm::kES256, "ES256", crypto::Hash::kSha256, crypto::KeyAlgorithm::kEc,
     crypto::RsaPadding::kPkcs1v15, crypto::Curve::kP256},
    {JwtAlgorithm::kES384, "ES384", crypto::Hash::kSha384, crypto::KeyAlgorithm::kEc,
     crypto::RsaPadding::kPkcs1v15, crypto::Curve::kP384},
    {JwtAlgorithm::kES512, "ES512", crypto::Hash::kSha512, crypto::KeyAlgorithm::kEc,
     crypto::RsaPadding::kPkcs1v15, crypto::Curve::kP521},
    {JwtAlgorithm::kPS256, "PS256", crypto::Hash::kSha256, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPss, std::nullopt},
    {JwtAlgorithm::kPS384, "PS384", crypto::Hash::kSha384, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPss, std::nullopt},
    {JwtAlgorithm::kPS512, "PS512", crypto::Hash::kSha512, crypto::KeyAlgorithm::kRsa,
     crypto::RsaPadding::kPss, std::nullopt},
};

const AlgInfo& Info(JwtAlgorithm alg) {
  for (const auto& a : kAlgs) {
    if (a.alg == alg) return a;
  }
  return kAlgs[0];  // Unreachable: every enumerator is in the table.
}

std::string FormatTime(TimePoint t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string KeyDescription(const crypto::PublicKey& key) {
  if (key.curve()) return fmt::format("EC {}", crypto::CurveName(*key.curve()));
  return fmt::format("RSA-{}", key.bits());
}

// OK when `alg` may be used with `key` (RFC 7518: ESnnn names its curve).
absl::Status CheckAlgorithmFitsKey(const AlgInfo& alg, crypto::KeyAlgorithm family,
                                   std::optional<crypto::Curve> curve, std::string_view what) {
  if (alg.family != family || (alg.curve && alg.curve != curve)) {
    std::string key = curve ? fmt::format("EC {}", crypto::CurveName(*curve)) : "RSA";
    return absl::InvalidArgumentError(
        fmt::format("algorithm {} does not fit the {} {} key", alg.name, what, key));
  }
  return absl::OkStatus();
}

struct Decoded {
  const AlgInfo* alg = nullptr;
  std::string kid;
  std::string signing_input;
  std::vector<uint8_t> signature;
  std::optional<JwtSvid> svid;  // Set once sub has parsed.
};

absl::StatusOr<json> DecodeJsonPart(std::string_view part, std::string_view what) {
  auto bytes = common::Base64UrlDecode(part);
  if (!bytes.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("JWT {} is not base64url: {}", what, std::string(bytes.status().message())));
  }
  json value;
  try {
    value = json::parse(common::AsChars(*bytes));
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(fmt::format("JWT {} is not valid JSON: {}", what, e.what()));
  }
  if (!value.is_object()) {
    return absl::InvalidArgumentError(
        fmt::format("JWT {} must be a JSON object, not {}", what, value.type_name()));
  }
  return value;
}

absl::StatusOr<TimePoint> ReadNumericDate(const json& value, std::string_view name) {
  if (!value.is_number()) {
    return absl::InvalidArgumentError(fmt::format(
        "JWT claim \"{}\" must be a number (NumericDate), not {}", name, value.type_name()));
  }
  double seconds = value.get<double>();
  // Beyond ±10^11 s (about year 5000) the value is nonsense and would overflow nanoseconds.
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e11) {
    return absl::InvalidArgumentError(
        fmt::format("JWT claim \"{}\" is out of range: {}", name, value.dump()));
  }
  return TimePoint(std::chrono::seconds(static_cast<int64_t>(std::floor(seconds))));
}

// Steps 1-3 of §3.2: structure, header rules, claims present and well formed.
absl::StatusOr<Decoded> Decode(std::string_view token) {
  if (token.empty()) return absl::InvalidArgumentError("JWT-SVID token is empty");
  if (token.front() == '{') {
    return absl::InvalidArgumentError(
        "JWT-SVID must use the JWS compact serialization, not the JSON serialization");
  }
  size_t dots = std::count(token.begin(), token.end(), '.');
  if (dots != 2) {
    return absl::InvalidArgumentError(fmt::format(
        "JWT-SVID must have three dot-separated parts (compact JWS), found {}", dots + 1));
  }
  size_t d1 = token.find('.');
  size_t d2 = token.find('.', d1 + 1);
  std::string_view header_b64 = token.substr(0, d1);
  std::string_view payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view sig_b64 = token.substr(d2 + 1);

  Decoded out;
  DSTART_ASSIGN_OR_RETURN(json header, DecodeJsonPart(header_b64, "header"));
  auto alg_it = header.find("alg");
  if (alg_it == header.end()) {
    return absl::InvalidArgumentError("JWT header: \"alg\" is missing");
  }
  if (!alg_it->is_string()) {
    return absl::InvalidArgumentError("JWT header: \"alg\" must be a string");
  }
  auto alg = ParseJwtAlgorithm(alg_it->get<std::string>());
  if (!alg.ok()) return alg.status();
  out.alg = &Info(*alg);

  for (const auto& [name, value] : header.items()) {
    if (name != "alg" && name != "kid" && name != "typ") {
      return absl::InvalidArgumentError(fmt::format(
          "JWT header member \"{}\" is not allowed (a JWT-SVID header holds only alg, kid and "
          "typ)",
          name));
    }
  }
  if (auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string() || (*typ != "JWT" && *typ != "JOSE")) {
      return absl::InvalidArgumentError(
          fmt::format("JWT header \"typ\" must be \"JWT\" or \"JOSE\", not {}", typ->dump()));
    }
  }
  if (auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string()) {
      return absl::InvalidArgumentError("JWT header \"kid\" must be a string");
    }
    out.kid = kid->get<std::string>();
  }

  DSTART_ASSIGN_OR_RETURN(json claims, DecodeJsonPart(payload_b64, "payload"));
  auto sub = claims.find("sub");
  if (sub == claims.end()) return absl::InvalidArgumentError("JWT claim \"sub\" is missing");
  if (!sub->is_string()) {
    return absl::InvalidArgumentError("JWT claim \"sub\" must be a string");
  }
  auto id = SpiffeId::FromString(sub->get<std::string>());
  if (!id.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("JWT claim \"sub\": {}", std::string(id.status().message())));
  }
  out.svid.emplace(JwtSvid{.id = *id,
                           .audience = {},
                           .expiry = {},
                           .issued_at = {},
                           .not_before = {},
                           .kid = out.kid,
                           .algorithm = *alg,
                           .claims_json = {},
                           .token = {}});

  auto aud = claims.find("aud");
  if (aud == claims.end()) return absl::InvalidArgumentError("JWT claim \"aud\" is missing");
  if (aud->is_string()) {
    out.svid->audience.push_back(aud->get<std::string>());
  } else if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) {
        return absl::InvalidArgumentError("JWT claim \"aud\" must hold only strings");
      }
      out.svid->audience.push_back(a.get<std::string>());
    }
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "JWT claim \"aud\" must be a string or an array of strings, not {}", aud->type_name()));
  }
  if (out.svid->audience.empty()) {
    return absl::InvalidArgumentError("JWT claim \"aud\" is empty");
  }

  auto exp = claims.find("exp");
  if (exp == claims.end()) return absl::InvalidArgumentError("JWT claim \"exp\" is missing");
  DSTART_ASSIGN_OR_RETURN(out.svid->expiry, ReadNumericDate(*exp, "exp"));
  if (auto iat = claims.find("iat"); iat != claims.end()) {
    DSTART_ASSIGN_OR_RETURN(out.svid->issued_at, ReadNumericDate(*iat, "iat"));
  }
  if (auto nbf = claims.find("nbf"); nbf != claims.end()) {
    DSTART_ASSIGN_OR_RETURN(out.svid->not_before, ReadNumericDate(*nbf, "nbf"));
  }

  auto sig = common::Base64UrlDecode(sig_b64);
  if (!sig.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("JWT signature is not base64url: {}", std::string(sig.status().message())));
  }
  out.signature = std::move(sig).value();
  out.signing_input = std::string(token.substr(0, d2));
  out.svid->claims_json = claims.dump();
  out.svid->token = std::string(token);
  return out;
}

// Step 6 of §3.2, with go-jose's one-minute leeway.
absl::Status CheckClaims(const JwtSvid& svid, const std::vector<std::string>& audiences,
                         TimePoint now) {
  if (!audiences.empty()) {
    bool found = std::any_of(audiences.begin(), audiences.end(), [&](const std::string& want) {
      return std::find(svid.audience.begin(), svid.audience.end(), want) != svid.audience.end();
    });
    if (!found) {
      return absl::InvalidArgumentError(
          fmt::format("JWT audience [{}] does not contain an expected audience ({})",
                      fmt::join(svid.audience, ", "), fmt::join(audiences, ", ")));
    }
  }
  if (now - kJwtLeeway > svid.expiry) {
    return absl::InvalidArgumentError(
        fmt::format("JWT-SVID has expired: exp {} is more than {}s before the current time {}",
                    FormatTime(svid.expiry), kJwtLeeway.count(), FormatTime(now)));
  }
  if (svid.not_before && now + kJwtLeeway < *svid.not_before) {
    return absl::InvalidArgumentError(
        fmt::format("JWT-SVID is not valid yet: nbf {} is more than {}s after the current time {}",
                    FormatTime(*svid.not_before), kJwtLeeway.count(), FormatTime(now)));
  }
  if (svid.issued_at && now + kJwtLeeway < *svid.issued_at) {
    return absl::InvalidArgumentError(fmt::format(
        "JWT-SVID was issued in the future: iat {} is more than {}s after the current time {}",
        FormatTime(*svid.issued_at), kJwtLeeway.count(), FormatTime(now)));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view JwtAlgorithmName(JwtAlgorithm alg) { return Info(alg).name; }

absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name) {
  for (const auto& a : kAlgs) {
    if (a.name == name) return a.alg;
  }
  return absl::InvalidArgumentError(fmt::format(
      "unsupported JWT-SVID signature algorithm \"{}\" (allowed: RS256, RS384, RS512, ES256, "
      "ES384, ES512, PS256, PS384, PS512)",
      name));
}

JwtAlgorithm DefaultJwtAlgorithm(const crypto::PrivateKey& key) {
  if (key.algorithm() == crypto::KeyAlgorithm::kRsa) return JwtAlgorithm::kRS256;
  switch (key.curve().value_or(crypto::Curve::kP256)) {
    case crypto::Curve::kP256:
      return JwtAlgorithm::kES256;
    case crypto::Curve::kP384:
      return JwtAlgorithm::kES384;
    case crypto::Curve::kP521:
      return JwtAlgorithm::kES512;
  }
  return JwtAlgorithm::kES256;
}

absl::StatusOr<std::string> SignJwtSvid(const JwtSvidClaims& claims, const crypto::PrivateKey& key,
                                        std::string_view kid, std::optional<JwtAlgorithm> alg) {
  if (kid.empty()) return absl::InvalidArgumentError("JWT-SVID signing: kid is empty");
  if (claims.audience.empty()) {
    return absl::InvalidArgumentError("JWT-SVID signing: audience must be specified");
  }
  for (const auto& a : claims.audience) {
    if (a.empty()) return absl::InvalidArgumentError("JWT-SVID signing: an audience is empty");
  }
  if (UnixSeconds(claims.expiry) <= UnixSeconds(claims.issued_at)) {
    return absl::InvalidArgumentError(fmt::format("JWT-SVID signing: exp {} is not after iat {}",
                                                  FormatTime(claims.expiry),
                                                  FormatTime(claims.issued_at)));
  }
  const AlgInfo& info = Info(alg.value_or(DefaultJwtAlgorithm(key)));
  DSTART_RETURN_IF_ERROR(CheckAlgorithmFitsKey(info, key.algorithm(), key.curve(), "signing"));

  nlohmann::ordered_json header;
  header["alg"] = info.name;
  header["kid"] = kid;
  header["typ"] = "JWT";
  nlohmann::ordered_json payload;
  payload["sub"] = claims.subject.String();
  payload["aud"] = claims.audience;
  payload["exp"] = UnixSeconds(claims.expiry);
  payload["iat"] = UnixSeconds(claims.issued_at);

  std::string input = common::Base64UrlEncode(common::AsBytes(header.dump())) + "." +
                      common::Base64UrlEncode(common::AsBytes(payload.dump()));
  DSTART_ASSIGN_OR_RETURN(auto sig,
                          crypto::Sign(key, info.hash, common::AsBytes(input), info.padding));
  if (info.family == crypto::KeyAlgorithm::kEc) {
    DSTART_ASSIGN_OR_RETURN(sig, crypto::EcdsaDerToRaw(sig, *info.curve));
  }
  return input + "." + common::Base64UrlEncode(sig);
}

absl::StatusOr<JwtSvid> ParseInsecureJwtSvid(std::string_view token,
                                             const std::vector<std::string>& audiences,
                                             TimePoint now) {
  DSTART_ASSIGN_OR_RETURN(Decoded decoded, Decode(token));
  DSTART_RETURN_IF_ERROR(CheckClaims(*decoded.svid, audiences, now));
  return std::move(*decoded.svid);
}

absl::StatusOr<JwtSvid> ParseAndValidateJwtSvid(std::string_view token, const BundleSet& bundles,
                                                const std::vector<std::string>& audiences,
                                                TimePoint now) {
  if (audiences.empty()) {
    return absl::InvalidArgumentError("JWT-SVID validation: an expected audience is required");
  }
  DSTART_ASSIGN_OR_RETURN(Decoded decoded, Decode(token));
  if (decoded.kid.empty()) {
    return absl::InvalidArgumentError(
        "JWT header \"kid\" is missing (needed to find the signing key in the bundle)");
  }
  const TrustDomain& td = decoded.svid->id.GetTrustDomain();
  const Bundle* bundle = bundles.Find(td);
  if (bundle == nullptr) {
    return absl::NotFoundError(
        fmt::format("no JWT bundle found for trust domain \"{}\" (of JWT-SVID subject \"{}\")",
                    td.Name(), decoded.svid->id.String()));
  }
  const crypto::PublicKey* key = bundle->FindJwtAuthority(decoded.kid);
  if (key == nullptr) {
    return absl::NotFoundError(
        fmt::format("JWT authority \"{}\" not found in the bundle of trust domain \"{}\"",
                    decoded.kid, td.Name()));
  }
  const AlgInfo& info = *decoded.alg;
  DSTART_RETURN_IF_ERROR(CheckAlgorithmFitsKey(info, key->algorithm(), key->curve(),
                                               fmt::format("bundle's \"{}\"", decoded.kid)));
  std::vector<uint8_t> signature = decoded.signature;
  if (info.family == crypto::KeyAlgorithm::kEc) {
    size_t want = 2 * crypto::CurveFieldSize(*info.curve);
    if (signature.size() != want) {
      return absl::InvalidArgumentError(fmt::format(
          "JWT signature is {} bytes, {} needs {} (raw r||s)", signature.size(), info.name, want));
    }
    DSTART_ASSIGN_OR_RETURN(signature, crypto::EcdsaRawToDer(signature, *info.curve));
  }
  absl::Status verified = crypto::Verify(*key, info.hash, common::AsBytes(decoded.signing_input),
                                         signature, info.padding);
  if (!verified.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "JWT-SVID signature verification failed with {} key \"{}\" of trust domain \"{}\"",
        KeyDescription(*key), decoded.kid, td.Name()));
  }
  DSTART_RETURN_IF_ERROR(CheckClaims(*decoded.svid, audiences, now));
  return std::move(*decoded.svid);
}

}  // namespace dstart::spiffe
