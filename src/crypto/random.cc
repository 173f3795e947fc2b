#include "crypto/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "common/encoding.h"

namespace dstart::crypto {

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    std::fputs("dstart: the OpenSSL CSPRNG failed; refusing to continue\n", stderr);
    std::abort();
  }
  return out;
}

std::string RandomHex(size_t n_bytes) { return common::HexEncode(RandomBytes(n_bytes)); }

std::vector<uint8_t> RandomSerialNumber() {
  for (;;) {
    std::vector<uint8_t> serial = RandomBytes(16);
    serial[0] &= 0x7f;
    for (uint8_t b : serial) {
      if (b != 0) return serial;
    }
  }
}

}  // namespace dstart::crypto
