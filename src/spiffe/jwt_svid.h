// JWT-SVIDs (spec/spiffe.md §3): signing and validation of compact JWS tokens.
#ifndef DSTART_SPIFFE_JWT_SVID_H_
#define DSTART_SPIFFE_JWT_SVID_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/keys.h"
#include "spiffe/bundle.h"
#include "spiffe/id.h"

namespace dstart::spiffe {

using TimePoint = std::chrono::system_clock::time_point;

// The nine JWS algorithms a JWT-SVID may use (§3.1); everything else (none, HS*, EdDSA) is
// refused.
enum class JwtAlgorithm { kRS256, kRS384, kRS512, kES256, kES384, kES512, kPS256, kPS384, kPS512 };
std::string_view JwtAlgorithmName(JwtAlgorithm alg);
absl::StatusOr<JwtAlgorithm> ParseJwtAlgorithm(std::string_view name);
// ES256 for P-256, ES384 for P-384, ES512 for P-521, RS256 for RSA.
JwtAlgorithm DefaultJwtAlgorithm(const crypto::PrivateKey& key);

// Clock skew tolerated on exp, nbf and iat (go-jose's default, and c-spiffe's).
inline constexpr std::chrono::seconds kJwtLeeway{60};

struct JwtSvidClaims {
  SpiffeId subject;
  std::vector<std::string> audience;  // At least one.
  TimePoint issued_at;                // iat (whole seconds are emitted).
  TimePoint expiry;                   // exp.
};

// Signs a JWT-SVID: header {"alg","kid","typ":"JWT"}, claims {"sub","aud":[...],"exp","iat"}
// with integer times. `alg` defaults to DefaultJwtAlgorithm(key); it must suit the key (ES256
// needs a P-256 key, RS*/PS* an RSA key). Refuses an empty kid, an empty audience list or an
// empty audience value, and exp not after iat.
absl::StatusOr<std::string> SignJwtSvid(const JwtSvidClaims& claims, const crypto::PrivateKey& key,
                                        std::string_view kid,
                                        std::optional<JwtAlgorithm> alg = std::nullopt);

// A parsed JWT-SVID.
struct JwtSvid {
  SpiffeId id;                        // sub
  std::vector<std::string> audience;  // aud (a single string is returned as one element)
  TimePoint expiry;                   // exp
  std::optional<TimePoint> issued_at;
  std::optional<TimePoint> not_before;
  std::string kid;  // "" when absent (only possible from ParseInsecure).
  JwtAlgorithm algorithm;
  std::string claims_json;  // The payload as received, for ValidateJWTSVID's claims.
  std::string token;        // The compact serialization.
};

// Full validation (§3.2): compact JWS of three base64url parts; alg one of the nine; typ absent
// or "JWT"/"JOSE"; no header member besides alg, kid, typ; kid required; sub a valid SPIFFE ID;
// aud and exp present; the bundle for sub's trust domain holds the kid; the signature verifies
// (ECDSA as raw r||s); at least one of `audiences` is in aud; exp >= now - 60 s; nbf and iat, when
// present, <= now + 60 s. REQUIRES: `audiences` non-empty (InvalidArgument otherwise).
absl::StatusOr<JwtSvid> ParseAndValidateJwtSvid(std::string_view token, const BundleSet& bundles,
                                                const std::vector<std::string>& audiences,
                                                TimePoint now);

// As go-spiffe's jwtsvid.ParseInsecure (§3.3): every check above except the signature, the
// bundle lookup and the need for a kid. For a Workload API client checking the token it was
// handed. When `audiences` is empty, aud is only required to be present.
absl::StatusOr<JwtSvid> ParseInsecureJwtSvid(std::string_view token,
                                             const std::vector<std::string>& audiences,
                                             TimePoint now);

}  // namespace dstart::spiffe

#endif  // DSTART_SPIFFE_JWT_SVID_H_
