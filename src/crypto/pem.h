// PEM (RFC 7468) framing: "-----BEGIN <label>-----", base64 body, "-----END <label>-----".
#ifndef DSTART_CRYPTO_PEM_H_
#define DSTART_CRYPTO_PEM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::crypto {

struct PemBlock {
  std::string label;          // e.g. "CERTIFICATE", "PRIVATE KEY".
  std::vector<uint8_t> der;   // The decoded body.
  int line = 0;               // 1-based line of the BEGIN marker in the input.
};

// Every block in `text`, in order. Text outside blocks is ignored (as OpenSSL does). Errors name
// the line: a BEGIN without its END, mismatched labels, encapsulated headers (legacy encrypted
// keys), a body that is not base64. An input without any block is an error ("no PEM block").
absl::StatusOr<std::vector<PemBlock>> ParsePem(std::string_view text);

// One block, base64 body wrapped at 64 columns, ending in a newline.
std::string EncodePem(std::string_view label, std::span<const uint8_t> der);

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_PEM_H_
