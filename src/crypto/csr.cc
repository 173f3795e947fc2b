#include "crypto/csr.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/status.h"
#include "crypto/internal.h"
#include "crypto/pem.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

using internal::OpenSslError;

struct ExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * p) const {
    sk_X509_EXTENSION_pop_free(p, X509_EXTENSION_free);
  }
};
using ExtensionStackPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackDeleter>;

// The SAN extension of the request's extensionRequest attribute, or null.
GeneralNamesPtr RequestedSans(X509_REQ* req) {
  ExtensionStackPtr exts(X509_REQ_get_extensions(req));
  internal::ClearOpenSslErrors();
  if (!exts) return nullptr;
  int idx = X509v3_get_ext_by_NID(exts.get(), NID_subject_alt_name, -1);
  if (idx < 0) return nullptr;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(sk_X509_EXTENSION_value(exts.get(), idx))));
  internal::ClearOpenSslErrors();
  return names;
}

}  // namespace

CertificateRequest::CertificateRequest(X509ReqPtr req) : req_(std::move(req)) {}
CertificateRequest::~CertificateRequest() = default;

absl::StatusOr<CertificateRequest> CertificateRequest::Create(
    const PrivateKey& key, const DistinguishedName& subject,
    const std::vector<std::string>& uri_sans, const std::vector<std::string>& dns_sans) {
  X509ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_REQ_new failed");
  }
  DSTART_ASSIGN_OR_RETURN(X509NamePtr name, internal::ToX509Name(subject));
  if (X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
      X509_REQ_set_pubkey(req.get(), key.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "setting CSR subject or key failed");
  }
  if (!uri_sans.empty() || !dns_sans.empty()) {
    DSTART_ASSIGN_OR_RETURN(GeneralNamesPtr names,
                            internal::BuildGeneralNames(uri_sans, dns_sans, {}));
    ExtensionStackPtr exts(sk_X509_EXTENSION_new_null());
    X509ExtensionPtr ext(X509V3_EXT_i2d(NID_subject_alt_name, subject.empty() ? 1 : 0,
                                        names.get()));
    if (!exts || !ext || sk_X509_EXTENSION_push(exts.get(), ext.get()) == 0) {
      return OpenSslError(absl::StatusCode::kInternal, "building CSR extensions failed");
    }
    ext.release();  // Owned by exts.
    if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "adding CSR extensions failed");
    }
  }
  const EVP_MD* md = internal::HashMd(static_cast<int>(key.default_hash()));
  if (X509_REQ_sign(req.get(), key.get(), md) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "signing the CSR failed");
  }
  return CertificateRequest(std::move(req));
}

absl::StatusOr<CertificateRequest> CertificateRequest::FromDer(std::span<const uint8_t> der) {
  const unsigned char* p = der.data();
  X509ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate request: not a DER PKCS#10 CertificationRequest");
  }
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "certificate request: {} bytes after the request", der.data() + der.size() - p));
  }
  return CertificateRequest(std::move(req));
}

absl::StatusOr<CertificateRequest> CertificateRequest::FromPem(std::string_view pem) {
  DSTART_ASSIGN_OR_RETURN(auto blocks, ParsePem(pem));
  for (const auto& b : blocks) {
    if (b.label != "CERTIFICATE REQUEST" && b.label != "NEW CERTIFICATE REQUEST") continue;
    auto req = FromDer(b.der);
    if (!req.ok()) {
      return absl::Status(req.status().code(), fmt::format("PEM block on line {}: {}", b.line,
                                                           std::string(req.status().message())));
    }
    return req;
  }
  return absl::InvalidArgumentError("no \"CERTIFICATE REQUEST\" PEM block found");
}

std::vector<uint8_t> CertificateRequest::ToDer() const {
  return internal::EncodeDer(i2d_X509_REQ, req_.get());
}

std::string CertificateRequest::ToPem() const { return EncodePem("CERTIFICATE REQUEST", ToDer()); }

absl::Status CertificateRequest::VerifySignature() const {
  EVP_PKEY* key = X509_REQ_get0_pubkey(req_.get());
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate request: public key is missing or malformed");
  }
  int rc = X509_REQ_verify(req_.get(), key);
  internal::ClearOpenSslErrors();
  if (rc != 1) {
    return absl::InvalidArgumentError(
        "certificate request: signature does not verify with the request's own key");
  }
  return absl::OkStatus();
}

absl::StatusOr<PublicKey> CertificateRequest::public_key() const {
  EVP_PKEY* key = X509_REQ_get0_pubkey(req_.get());
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate request: public key is missing or malformed");
  }
  EVP_PKEY_up_ref(key);
  return PublicKey::FromHandle(EvpPkeyPtr(key));
}

std::vector<std::string> CertificateRequest::UriSans() const {
  GeneralNamesPtr names = RequestedSans(req_.get());
  return internal::GeneralNamesOfType(names.get(), GEN_URI);
}

std::vector<std::string> CertificateRequest::DnsSans() const {
  GeneralNamesPtr names = RequestedSans(req_.get());
  return internal::GeneralNamesOfType(names.get(), GEN_DNS);
}

DistinguishedName CertificateRequest::SubjectName() const {
  return internal::FromX509Name(X509_REQ_get_subject_name(req_.get()));
}

std::string CertificateRequest::Subject() const { return FormatDistinguishedName(SubjectName()); }

}  // namespace dstart::crypto
