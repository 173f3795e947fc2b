// X.509 distinguished names as an ordered list of attributes, in encoding order (most general
// first): {{"C","US"},{"O","SPIRE"},{"CN","agent0"}}.
#ifndef DSTART_CRYPTO_NAME_H_
#define DSTART_CRYPTO_NAME_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::crypto {

struct NameAttribute {
  // OpenSSL short or long name ("C", "O", "OU", "CN", "serialNumber", "x500UniqueIdentifier",
  // "emailAddress", ...) or a dotted OID.
  std::string type;
  std::string value;  // UTF-8.
  bool operator==(const NameAttribute&) const = default;
};
using DistinguishedName = std::vector<NameAttribute>;

// Parses "C=US, O=SPIRE, CN=agent0" (comma-separated, in encoding order; "\," escapes a comma).
// Errors name the attribute and its position. An empty string is the empty name.
absl::StatusOr<DistinguishedName> ParseDistinguishedName(std::string_view text);

// RFC 2253 / RFC 4514 form, most specific first, as Go's pkix.Name.String() and
// `openssl x509 -nameopt RFC2253` print it: "CN=agent0,O=SPIRE,C=US".
std::string FormatDistinguishedName(const DistinguishedName& name);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_NAME_H_
