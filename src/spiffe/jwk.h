// JSON Web Key (RFC 7517/7518) encoding of public keys, shared by bundles and JWT-SVIDs.
// Internal to src/spiffe: include only from .cc files (it pulls in nlohmann/json).
#ifndef DSTART_SPIFFE_JWK_H_
#define DSTART_SPIFFE_JWK_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace dstart::spiffe::jwk {

// Adds "kty" and the key members ("crv","x","y" with coordinates at full length, or "n","e").
void AddPublicKeyMembers(const crypto::PublicKey& key, nlohmann::ordered_json& out);

// Reads the public key of a JWK object. nullopt when "kty" names a key type dstart does not
// know (the caller decides whether to ignore the entry). Errors name the member, prefixed with
// `where` (e.g. "keys[2]"): missing or non-string kty, crv, x, y, n, e; bad base64url; EC
// coordinates not exactly the curve's size; points off the curve.
absl::StatusOr<std::optional<crypto::PublicKey>> PublicKeyFromJwk(const nlohmann::json& jwk,
                                                                  std::string_view where);

// The member `name` of object `obj` as a string: NotFound-style InvalidArgument when absent,
// InvalidArgument when not a string. `where` prefixes the message.
absl::StatusOr<std::string> RequireString(const nlohmann::json& obj, std::string_view name,
                                          std::string_view where);

}  // namespace dstart::spiffe::jwk

#endif  // DSTART_SPIFFE_JWK_H_
