// Certificate (and key) parsing from untrusted bytes: single DER, concatenated DER chains (as the
// Workload API carries them), PEM chains, then every accessor. Nothing may crash or leak, and a
// certificate that parsed must re-encode to something that parses again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/certificate.h"
#include "crypto/keys.h"
#include "crypto/name.h"
#include "crypto/verify.h"

namespace {

using namespace dstart::crypto;

void Exercise(const Certificate& c) {
  (void)c.UriSans();
  (void)c.DnsSans();
  (void)c.SanCount();
  (void)c.HasBasicConstraints();
  (void)c.IsCa();
  (void)c.PathLen();
  (void)c.GetKeyUsage();
  (void)c.KeyUsageCritical();
  (void)c.GetExtKeyUsage();
  (void)c.NotBefore();
  (void)c.NotAfter();
  (void)c.SerialHex();
  (void)c.SerialDecimal();
  (void)c.Subject();
  (void)c.Issuer();
  (void)c.CommonName();
  (void)c.SubjectKeyId();
  (void)c.AuthorityKeyId();
  (void)c.Sha1Fingerprint();
  (void)c.Sha256Fingerprint();
  (void)c.IsSelfSigned();
  if (auto key = c.public_key(); key.ok()) {
    (void)key->ToDer();
    (void)key->EcCoordinates();
    (void)key->RsaParameters();
    (void)c.VerifySignature(*key);
  }
  auto again = Certificate::FromDer(c.ToDer());
  if (!again.ok()) std::abort();
  (void)c.ToPem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto cert = Certificate::FromDer(bytes); cert.ok()) Exercise(*cert);
  if (auto chain = Certificate::ChainFromDer(bytes); chain.ok()) {
    for (const auto& c : *chain) Exercise(c);
    if (chain->size() > 1) {
      std::vector<Certificate> inter(chain->begin() + 1, chain->end() - 1);
      (void)VerifyCertificateChain(chain->front(), inter, {chain->back()});
    }
  }
  if (auto chain = Certificate::ChainFromPem(text); chain.ok()) {
    for (const auto& c : *chain) Exercise(c);
  }
  if (auto key = PrivateKey::FromDer(bytes); key.ok()) (void)key->ToPkcs8Der();
  if (auto key = PrivateKey::FromPem(text); key.ok()) (void)key->Public().ToDer();
  if (auto key = PublicKey::FromDer(bytes); key.ok()) (void)key->EcCoordinates();
  if (auto name = ParseDistinguishedName(text); name.ok()) (void)FormatDistinguishedName(*name);
  return 0;
}
