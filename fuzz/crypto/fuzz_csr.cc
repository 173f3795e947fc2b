// CSR parsing from untrusted bytes (the server receives agents' CSRs): DER and PEM, signature
// check and accessors. Nothing may crash or leak.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/csr.h"

namespace {

void Exercise(const dstart::crypto::CertificateRequest& csr) {
  (void)csr.VerifySignature();
  (void)csr.UriSans();
  (void)csr.DnsSans();
  (void)csr.Subject();
  if (auto key = csr.public_key(); key.ok()) (void)key->ToDer();
  if (!dstart::crypto::CertificateRequest::FromDer(csr.ToDer()).ok()) std::abort();
  (void)csr.ToPem();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using dstart::crypto::CertificateRequest;
  if (auto csr = CertificateRequest::FromDer({data, size}); csr.ok()) Exercise(*csr);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto csr = CertificateRequest::FromPem(text); csr.ok()) Exercise(*csr);
  return 0;
}
