#include "secretstore/shamir.h"

#include <set>

#include "fmt/format.h"

namespace dstart::secretstore::shamir {

uint8_t Add(uint8_t a, uint8_t b) { return a ^ b; }

// Shift-and-add without data-dependent branches.
uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= static_cast<uint8_t>(-(b & 1) & a);
    uint8_t hi = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (hi & 0x1b));
    b >>= 1;
  }
  return r;
}

namespace {
// a^254 = a^-1 in GF(2^8).
uint8_t Inverse(uint8_t a) {
  uint8_t result = 1, base = a;
  for (int e = 254; e > 0; e >>= 1) {
    if (e & 1) result = Mul(result, base);
    base = Mul(base, base);
  }
  return result;
}
}  // namespace

uint8_t Div(uint8_t a, uint8_t b) { return Mul(a, Inverse(b)); }

absl::StatusOr<std::vector<Bytes>> Split(std::span<const uint8_t> secret, int parts, int threshold,
                                         const RandomFn& random) {
  if (parts < 2 || parts > 255) {
    return absl::InvalidArgumentError(fmt::format("shares must be between 2 and 255, got {}", parts));
  }
  if (threshold < 2 || threshold > parts) {
    return absl::InvalidArgumentError(
        fmt::format("threshold must be between 2 and the number of shares ({}), got {}", parts,
                    threshold));
  }
  if (secret.empty()) return absl::InvalidArgumentError("cannot split an empty secret");

  // Distinct non-zero x-coordinates: a random permutation of 1..255, first `parts` of it.
  std::vector<uint8_t> xs(255);
  for (int i = 0; i < 255; ++i) xs[i] = static_cast<uint8_t>(i + 1);
  std::vector<uint8_t> rnd(255 * 2);
  if (absl::Status s = random(rnd); !s.ok()) return s;
  for (int i = 254; i > 0; --i) {
    int j = (rnd[2 * i] << 8 | rnd[2 * i + 1]) % (i + 1);
    std::swap(xs[i], xs[j]);
  }

  std::vector<Bytes> shares(parts, Bytes(secret.size() + 1));
  for (int p = 0; p < parts; ++p) shares[p][secret.size()] = xs[p];

  std::vector<uint8_t> coeffs(threshold - 1);
  for (size_t byte = 0; byte < secret.size(); ++byte) {
    if (absl::Status s = random(coeffs); !s.ok()) return s;
    for (int p = 0; p < parts; ++p) {
      // Horner: c0 + x(c1 + x(c2 + ...)), c0 = the secret byte.
      uint8_t x = xs[p], y = 0;
      for (int c = threshold - 2; c >= 0; --c) y = Add(Mul(y, x), coeffs[c]);
      shares[p][byte] = Add(Mul(y, x), secret[byte]);
    }
  }
  std::fill(coeffs.begin(), coeffs.end(), 0);
  return shares;
}

absl::StatusOr<Bytes> Combine(const std::vector<Bytes>& shares) {
  if (shares.size() < 2) return absl::InvalidArgumentError("at least two shares are needed");
  size_t len = shares[0].size();
  if (len < 2) return absl::InvalidArgumentError("shares must be at least two bytes long");
  std::set<uint8_t> seen;
  for (const Bytes& s : shares) {
    if (s.size() != len) return absl::InvalidArgumentError("all shares must have the same length");
    if (!seen.insert(s.back()).second) {
      return absl::InvalidArgumentError("duplicate share (same x-coordinate)");
    }
  }
  Bytes secret(len - 1, 0);
  for (size_t i = 0; i < shares.size(); ++i) {
    // Lagrange basis at 0: prod_{j!=i} x_j / (x_j - x_i); subtraction is XOR.
    uint8_t xi = shares[i].back(), basis = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      uint8_t xj = shares[j].back();
      basis = Mul(basis, Div(xj, Add(xj, xi)));
    }
    for (size_t b = 0; b + 1 < len; ++b) secret[b] = Add(secret[b], Mul(shares[i][b], basis));
  }
  return secret;
}

}  // namespace dstart::secretstore::shamir
