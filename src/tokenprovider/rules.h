// Which service key an SVID may ask a token for (spec/edgex.md §10, corrected).
//
//   - The SVID must be spiffe://<td>/service/<name> with exactly one path segment after
//     /service/ and <td> equal to the configured trust domain.
//   - An empty requested key means <name>.
//   - device-<x> may request device-<x> or device-<x>-<suffix> (several instances of one
//     device service; EdgeX's branch for this never ran).
//   - app-service-configurable (exactly, not as a prefix) may request any app-<something>.
//   - Otherwise the key must equal <name>.
// The key returned is the one everything is minted for: policy, entity, user, roles, token and
// the known secrets all live under it, so the token can read what was written for it.
#ifndef DSTART_TOKENPROVIDER_RULES_H_
#define DSTART_TOKENPROVIDER_RULES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dstart::tokenprovider {

// The <name> of a service SVID, or InvalidArgument ("Invalid Spiffe SVID format", "Invalid
// trust domain name: <d>").
absl::StatusOr<std::string> ServiceNameFromId(std::string_view spiffe_id,
                                              std::string_view trust_domain);

// The authorised key for `requested` by service `name`, or PermissionDenied naming the rule.
absl::StatusOr<std::string> AuthorizeServiceKey(std::string_view name, std::string_view requested);

// True for a key usable as a secret-store path segment: [A-Za-z0-9._-]+, not "." or "..".
bool IsValidServiceKey(std::string_view key);

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_RULES_H_
