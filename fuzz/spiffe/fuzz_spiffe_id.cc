// SpiffeId / TrustDomain parsing: never crashes, and whatever parses prints back unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "spiffe/id.h"

using dstart::spiffe::SpiffeId;
using dstart::spiffe::TrustDomain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto id = SpiffeId::FromString(text);
  if (id.ok()) {
    if (id->String() != text || text.size() > dstart::spiffe::kMaxIdLength) std::abort();
    auto again = SpiffeId::FromPath(id->GetTrustDomain(), id->Path());
    if (!again.ok() || !(*again == *id)) std::abort();
    auto td = TrustDomain::FromString(text);
    if (!td.ok() || !(*td == id->GetTrustDomain())) std::abort();
  } else if (id.status().message().empty()) {
    std::abort();  // Every refusal says why.
  }
  auto td = TrustDomain::FromString(text);
  if (td.ok() && text.find(":/") == std::string::npos) {
    if (td->Name() != text || td->Name().size() > dstart::spiffe::kMaxTrustDomainLength) {
      std::abort();
    }
    if (!SpiffeId::FromString(td->IdString()).ok()) std::abort();
  }
  return 0;
}
