// Fuzzes policy parsing (HCL and JSON) and rule selection: no crash, no hang, and a parsed
// policy always yields an Acl that answers for any path.
#include <cstddef>
#include <cstdint>
#include <string>

#include "secretstore/acl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t split = text.find('\n');
  std::string path = split == std::string::npos ? "secret/a" : text.substr(0, split);
  auto policy = dstart::secretstore::ParsePolicy("fuzz", text);
  if (policy.ok()) {
    dstart::secretstore::Acl acl({&*policy}, {"e", "n"});
    acl.Capabilities(path, false);
    acl.Capabilities(path + "/", true);
  }
  return 0;
}
