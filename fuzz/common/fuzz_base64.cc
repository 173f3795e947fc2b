// Decoders must never crash, and whatever they accept must re-encode to the same text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dstart::common;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto b = Base64UrlDecode(text); b.ok() && Base64UrlEncode(*b) != text) std::abort();
  if (auto b = HexDecode(text); b.ok() && HexEncode(*b).size() != text.size()) std::abort();
  (void)Base64Decode(text);
  return 0;
}
