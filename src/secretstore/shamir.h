// Shamir secret sharing over GF(2^8) (the AES field, x^8+x^4+x^3+x+1), byte by byte.
//
// A share is the polynomial values for every secret byte followed by one byte, its x-coordinate
// (OpenBao's layout: a 32-byte key gives 33-byte shares). Any `threshold` distinct shares give
// the secret back; fewer reveal nothing about it.
#ifndef DSTART_SECRETSTORE_SHAMIR_H_
#define DSTART_SECRETSTORE_SHAMIR_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::secretstore::shamir {

using Bytes = std::vector<uint8_t>;
// Fills its argument with cryptographically secure random bytes.
using RandomFn = std::function<absl::Status(std::span<uint8_t>)>;

// REQUIRES: 2 <= threshold <= parts <= 255, secret non-empty.
absl::StatusOr<std::vector<Bytes>> Split(std::span<const uint8_t> secret, int parts, int threshold,
                                         const RandomFn& random);

// Interpolates at x=0. Refuses fewer than two shares, shares of unequal or too short length, and
// duplicate x-coordinates. Wrong-but-well-formed shares give a wrong secret: the caller checks.
absl::StatusOr<Bytes> Combine(const std::vector<Bytes>& shares);

// Field arithmetic, exposed for tests.
uint8_t Add(uint8_t a, uint8_t b);
uint8_t Mul(uint8_t a, uint8_t b);
uint8_t Div(uint8_t a, uint8_t b);  // REQUIRES: b != 0.

}  // namespace dstart::secretstore::shamir

#endif  // DSTART_SECRETSTORE_SHAMIR_H_
