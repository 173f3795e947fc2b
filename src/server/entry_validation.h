// Checks a registration entry before it is stored (spec/spire.md §1.1). Errors are
// InvalidArgument and name the field that is wrong.
#ifndef DSTART_SERVER_ENTRY_VALIDATION_H_
#define DSTART_SERVER_ENTRY_VALIDATION_H_

#include <string>

#include "absl/status/status.h"
#include "server/types.h"

namespace dstart::server {

// Validates `entry` for the server of `trust_domain` and normalises it in place: federates_with
// names become bare trust domain names ("spiffe://example.org" -> "example.org") and duplicate
// selectors are dropped.
absl::Status ValidateEntry(const std::string& trust_domain, Entry& entry);

// A DNS name as SPIRE accepts it in an entry: ASCII labels of [A-Za-z0-9-] not starting or
// ending with '-', no trailing dot, at most one '*' and only as a whole leading "*." label.
absl::Status ValidateDnsName(const std::string& name);

}  // namespace dstart::server

#endif  // DSTART_SERVER_ENTRY_VALIDATION_H_
