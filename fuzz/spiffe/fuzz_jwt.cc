// JWT-SVID parsing and validation: never crashes; nothing validates unless it was signed by the
// bundle's key (the fuzzer cannot forge ECDSA), and validated tokens satisfy every claim rule.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/keys.h"
#include "spiffe/jwt_svid.h"

using namespace dstart::spiffe;

namespace {

struct Fixture {
  TimePoint now = TimePoint(std::chrono::seconds(1767225600));
  BundleSet bundles;
  std::string valid_token;
  Fixture() {
    auto key = dstart::crypto::PrivateKey::Generate(dstart::crypto::KeyType::kEcP256).value();
    Bundle bundle(TrustDomain::FromString("example.org").value());
    (void)bundle.AddJwtAuthority("k1", key.Public());
    bundles.Set(bundle);
    JwtSvidClaims claims{SpiffeId::FromString("spiffe://example.org/a").value(),
                         {"aud"},
                         now,
                         now + std::chrono::minutes(5)};
    valid_token = SignJwtSvid(claims, key, "k1").value();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture fx;
  static const bool fixture_ok =
      ParseAndValidateJwtSvid(fx.valid_token, fx.bundles, {"aud"}, fx.now).ok();
  if (!fixture_ok) std::abort();
  std::string_view token(reinterpret_cast<const char*>(data), size);
  auto insecure = ParseInsecureJwtSvid(token, {"aud"}, fx.now);
  auto full = ParseAndValidateJwtSvid(token, fx.bundles, {"aud"}, fx.now);
  if (full.ok()) {
    if (!insecure.ok()) std::abort();  // Full validation is strictly stronger.
    if (full->kid != "k1" || !full->id.MemberOf(fx.bundles.bundles().begin()->first)) std::abort();
    if (full->expiry < fx.now - kJwtLeeway) std::abort();
  }
  return 0;
}
