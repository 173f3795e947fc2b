// Entry validation (SPIFFE IDs, selectors, DNS names, trust domains) on arbitrary input: lines
// of the input fill the entry's fields. Must never crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "server/entry_validation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  dstart::server::Entry e;
  std::string line;
  std::getline(in, e.spiffe_id);
  std::getline(in, e.parent_id);
  std::getline(in, e.id);
  while (std::getline(in, line)) {
    if (line.rfind("dns=", 0) == 0) {
      e.dns_names.push_back(line.substr(4));
    } else if (line.rfind("fed=", 0) == 0) {
      e.federates_with.push_back(line.substr(4));
    } else {
      size_t colon = line.find(':');
      e.selectors.push_back({line.substr(0, colon),
                             colon == std::string::npos ? "" : line.substr(colon + 1)});
    }
  }
  (void)dstart::server::ValidateEntry("example.org", e);
  (void)dstart::server::ValidateDnsName(e.spiffe_id);
  return 0;
}
