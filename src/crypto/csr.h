// PKCS#10 certificate signing requests (RFC 2986), as SPIRE agents send them to the server.
#ifndef DSTART_CRYPTO_CSR_H_
#define DSTART_CRYPTO_CSR_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/handles.h"
#include "crypto/keys.h"
#include "crypto/name.h"

namespace dstart::crypto {

class CertificateRequest {
 public:
  // A request for `key`'s public half, self-signed by `key` with key.default_hash(). SANs are
  // carried in an extensionRequest attribute; none are added when both lists are empty.
  static absl::StatusOr<CertificateRequest> Create(const PrivateKey& key,
                                                   const DistinguishedName& subject,
                                                   const std::vector<std::string>& uri_sans = {},
                                                   const std::vector<std::string>& dns_sans = {});
  // DER must hold exactly one request and nothing after it. PEM label "CERTIFICATE REQUEST"
  // (or "NEW CERTIFICATE REQUEST").
  static absl::StatusOr<CertificateRequest> FromDer(std::span<const uint8_t> der);
  static absl::StatusOr<CertificateRequest> FromPem(std::string_view pem);

  CertificateRequest(CertificateRequest&&) noexcept = default;
  CertificateRequest& operator=(CertificateRequest&&) noexcept = default;
  ~CertificateRequest();

  std::vector<uint8_t> ToDer() const;
  std::string ToPem() const;

  // OK when the request is signed by the key it carries (proof of possession).
  absl::Status VerifySignature() const;

  absl::StatusOr<PublicKey> public_key() const;
  std::vector<std::string> UriSans() const;
  std::vector<std::string> DnsSans() const;
  DistinguishedName SubjectName() const;
  std::string Subject() const;  // FormatDistinguishedName(SubjectName()).

  X509_REQ* get() const { return req_.get(); }

 private:
  explicit CertificateRequest(X509ReqPtr req);
  X509ReqPtr req_;
};

}  // namespace dstart::crypto

#endif  // DSTART_CRYPTO_CSR_H_
