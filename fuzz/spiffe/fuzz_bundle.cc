// SPIFFE bundle JSON and Workload API JWKS parsing: never crashes; an accepted bundle
// re-encodes to JSON that parses back to the same bundle.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spiffe/bundle.h"

using namespace dstart::spiffe;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TrustDomain td = TrustDomain::FromString("example.org").value();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bundle = Bundle::FromJson(td, text);
  if (bundle.ok()) {
    auto again = Bundle::FromJson(td, bundle->ToJson());
    if (!again.ok() || !(*again == *bundle)) std::abort();
    auto pem = bundle->ToX509Pem();
    if (!bundle->x509_authorities().empty()) {
      auto from_pem = Bundle::FromX509Pem(td, pem);
      if (!from_pem.ok() || from_pem->x509_authorities() != bundle->x509_authorities()) {
        std::abort();
      }
    }
    auto jwks = Bundle::FromJwks(td, bundle->ToJwks());
    if (!jwks.ok() || jwks->jwt_authorities().size() != bundle->jwt_authorities().size()) {
      std::abort();
    }
  }
  (void)Bundle::FromJwks(td, text);
  auto der = Bundle::FromX509Der(td, {data, size});
  if (der.ok()) {
    auto again = Bundle::FromX509Der(td, der->ToX509Der());
    if (!again.ok() || again->x509_authorities() != der->x509_authorities()) std::abort();
  }
  return 0;
}
