// Byte-string encodings: hex, standard base64 (RFC 4648 §4) and base64url without padding (§5,
// as JOSE uses it). Decoders refuse any character outside their alphabet.
#ifndef DSTART_COMMON_ENCODING_H_
#define DSTART_COMMON_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::common {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Lowercase hex.
std::string HexEncode(std::span<const uint8_t> data);
// Accepts upper- and lowercase; refuses odd lengths.
absl::StatusOr<Bytes> HexDecode(std::string_view hex);

// Standard alphabet with '=' padding.
std::string Base64Encode(std::span<const uint8_t> data);
// Accepts input with or without padding; refuses whitespace and foreign characters.
absl::StatusOr<Bytes> Base64Decode(std::string_view text);

// URL-safe alphabet, no padding.
std::string Base64UrlEncode(std::span<const uint8_t> data);
// Refuses padding, as JWS compact serialization forbids it.
absl::StatusOr<Bytes> Base64UrlDecode(std::string_view text);

}  // namespace dstart::common

#endif  // DSTART_COMMON_ENCODING_H_
