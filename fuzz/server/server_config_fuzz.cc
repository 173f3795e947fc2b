// server.conf parsing and validation must never crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto c = dstart::server::ParseServerConfig(text, "fuzz.conf");
  if (c.ok()) (void)dstart::server::ValidateServerConfig(*c);
  return 0;
}
