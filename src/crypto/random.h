// Randomness from OpenSSL's CSPRNG. A CSPRNG failure is not recoverable: these functions abort
// the process rather than return predictable bytes. Thread-safe.
#ifndef DSTART_CRYPTO_RANDOM_H_
#define DSTART_CRYPTO_RANDOM_H_

#include <cstdint>
#include <string>
#include <vector>

namespace dstart::crypto {

std::vector<uint8_t> RandomBytes(size_t n);

// Lowercase hex of `n_bytes` random bytes (2 * n_bytes characters).
std::string RandomHex(size_t n_bytes);

// A certificate serial number: 16 big-endian bytes, 128 random bits with the top bit cleared and
// never zero, so that it always encodes as a positive INTEGER of at most 17 octets (RFC 5280 §4.1.2.2).
std::vector<uint8_t> RandomSerialNumber();

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_RANDOM_H_
