// Helpers shared by the crypto module's .cc files. Not part of the public API.
#ifndef DSTART_CRYPTO_INTERNAL_H_
#define DSTART_CRYPTO_INTERNAL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/handles.h"
#include "crypto/name.h"

namespace dstart::crypto::internal {

// For handles used inside one .cc only: std::unique_ptr<T, FreeWith<T_free>>.
template <auto Free>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

// `what` followed by OpenSSL's queued error reasons (if any); the queue is cleared.
absl::Status OpenSslError(absl::StatusCode code, std::string_view what);
// Drops whatever OpenSSL queued (after a failure that was handled).
void ClearOpenSslErrors();
// OPENSSL_free, callable from a header that does not include <openssl/crypto.h>.
void FreeDer(unsigned char* der);

// The bytes written to a memory BIO.
std::string BioContents(BIO* bio);

// Big-endian magnitude, left-padded with zeros to `width` bytes (0: minimal length).
std::vector<uint8_t> BignumBytes(const BIGNUM* bn, size_t width = 0);

// DistinguishedName <-> X509_NAME.
absl::StatusOr<X509NamePtr> ToX509Name(const DistinguishedName& name);
DistinguishedName FromX509Name(const X509_NAME* name);

// SAN entries of one GENERAL_NAME type (GEN_URI, GEN_DNS) from a GENERAL_NAMES stack.
std::vector<std::string> GeneralNamesOfType(const stack_st_GENERAL_NAME* names, int type);

// A GENERAL_NAMES stack for a subjectAltName: URIs, then DNS names, then IP addresses. Refuses
// empty names and unparseable IP addresses.
absl::StatusOr<GeneralNamesPtr> BuildGeneralNames(const std::vector<std::string>& uris,
                                                  const std::vector<std::string>& dns_names,
                                                  const std::vector<std::string>& ips);

const EVP_MD* HashMd(int hash);  // dstart::crypto::Hash as int.

// The DER an OpenSSL i2d_* function writes for `obj`; empty (errors cleared) when it fails.
template <typename T>
std::vector<uint8_t> EncodeDer(int (*i2d)(const T*, unsigned char**), const T* obj) {
  unsigned char* out = nullptr;
  int len = i2d(obj, &out);
  if (len <= 0) {
    ClearOpenSslErrors();
    return {};
  }
  std::vector<uint8_t> der(out, out + len);
  FreeDer(out);
  return der;
}

}  // namespace dstart::crypto::internal

#endif  // DSTART_CRYPTO_INTERNAL_H_
