#include "crypto/cert_builder.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/internal.h"
#include "crypto/random.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

using internal::OpenSslError;
using std::chrono::system_clock;

// Leaves and CAs start 10 s in the past to absorb clock skew, as SPIRE does.
constexpr std::chrono::seconds kBackdate(10);

absl::Status AddExtension(X509* cert, int nid, void* value, bool critical, std::string_view what) {
  if (X509_add1_ext_i2d(cert, nid, value, critical ? 1 : 0, X509V3_ADD_REPLACE) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, fmt::format("adding {} failed", what));
  }
  return absl::OkStatus();
}

using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, internal::FreeWith<BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, internal::FreeWith<ASN1_BIT_STRING_free>>;
using AuthorityKeyIdPtr =
    std::unique_ptr<AUTHORITY_KEYID, internal::FreeWith<AUTHORITY_KEYID_free>>;
// OBJ_nid2obj returns static objects, so only the stack itself is freed.
void FreeObjectStack(STACK_OF(ASN1_OBJECT) * s) { sk_ASN1_OBJECT_free(s); }
using ObjectStackPtr = std::unique_ptr<STACK_OF(ASN1_OBJECT), internal::FreeWith<FreeObjectStack>>;

absl::Status AddBasicConstraints(X509* cert, const CertificateTemplate& t) {
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return OpenSslError(absl::StatusCode::kInternal, "BASIC_CONSTRAINTS_new");
  bc->ca = t.is_ca ? 0xff : 0;
  if (t.is_ca && t.path_len) {
    bc->pathlen = ASN1_INTEGER_new();  // Owned by bc.
    if (bc->pathlen == nullptr || ASN1_INTEGER_set(bc->pathlen, *t.path_len) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "setting pathLenConstraint failed");
    }
  }
  return AddExtension(cert, NID_basic_constraints, bc.get(), t.basic_constraints_critical,
                      "basicConstraints");
}

absl::Status AddKeyUsage(X509* cert, const KeyUsage& ku, bool critical) {
  BitStringPtr bits(ASN1_BIT_STRING_new());
  if (!bits) return OpenSslError(absl::StatusCode::kInternal, "ASN1_BIT_STRING_new");
  // Bit numbers from RFC 5280 §4.2.1.3.
  const std::pair<bool, int> flags[] = {
      {ku.digital_signature, 0}, {ku.content_commitment, 1}, {ku.key_encipherment, 2},
      {ku.data_encipherment, 3}, {ku.key_agreement, 4},      {ku.key_cert_sign, 5},
      {ku.crl_sign, 6},
  };
  for (auto [set, bit] : flags) {
    if (set && ASN1_BIT_STRING_set_bit(bits.get(), bit, 1) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "setting keyUsage failed");
    }
  }
  return AddExtension(cert, NID_key_usage, bits.get(), critical, "keyUsage");
}

absl::Status AddExtKeyUsage(X509* cert, const ExtKeyUsage& eku) {
  ObjectStackPtr usage(sk_ASN1_OBJECT_new_null());
  if (!usage) return OpenSslError(absl::StatusCode::kInternal, "EKU allocation");
  if ((eku.server_auth && sk_ASN1_OBJECT_push(usage.get(), OBJ_nid2obj(NID_server_auth)) == 0) ||
      (eku.client_auth && sk_ASN1_OBJECT_push(usage.get(), OBJ_nid2obj(NID_client_auth)) == 0)) {
    return OpenSslError(absl::StatusCode::kInternal, "building extendedKeyUsage failed");
  }
  return AddExtension(cert, NID_ext_key_usage, usage.get(), false, "extendedKeyUsage");
}

// SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2, method 1), read from
// a certificate's already-encoded key (decoding a key again is slow in OpenSSL 3.0).
absl::StatusOr<std::vector<uint8_t>> KeyIdentifier(const X509* cert) {
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_PUBKEY* pub = X509_get_X509_PUBKEY(cert);
  if (pub == nullptr || X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, nullptr, pub) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "reading public key bits failed");
  }
  return Sha1(std::span<const uint8_t>(bits, static_cast<size_t>(bits_len)));
}

absl::Status AddKeyIds(X509* cert, const CertificateTemplate& t,
                       const std::vector<uint8_t>& issuer_key_id) {
  if (t.subject_key_id) {
    DSTART_ASSIGN_OR_RETURN(std::vector<uint8_t> id, KeyIdentifier(cert));
    Asn1OctetStringPtr ski(ASN1_OCTET_STRING_new());
    if (!ski || ASN1_OCTET_STRING_set(ski.get(), id.data(), static_cast<int>(id.size())) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "building subjectKeyIdentifier failed");
    }
    DSTART_RETURN_IF_ERROR(
        AddExtension(cert, NID_subject_key_identifier, ski.get(), false, "subjectKeyIdentifier"));
  }
  if (t.authority_key_id && !issuer_key_id.empty()) {
    AuthorityKeyIdPtr akid(AUTHORITY_KEYID_new());
    if (!akid) return OpenSslError(absl::StatusCode::kInternal, "AUTHORITY_KEYID_new");
    akid->keyid = ASN1_OCTET_STRING_new();  // Owned by akid.
    if (akid->keyid == nullptr ||
        ASN1_OCTET_STRING_set(akid->keyid, issuer_key_id.data(),
                              static_cast<int>(issuer_key_id.size())) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "building authorityKeyIdentifier failed");
    }
    DSTART_RETURN_IF_ERROR(AddExtension(cert, NID_authority_key_identifier, akid.get(), false,
                                        "authorityKeyIdentifier"));
  }
  return absl::OkStatus();
}

absl::Status SetTime(X509* cert, bool not_before,
                     system_clock::time_point when) {
  Asn1TimePtr t(ASN1_TIME_set(nullptr, system_clock::to_time_t(when)));
  if (!t) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "validity time cannot be encoded in a certificate");
  }
  int rc = not_before ? X509_set1_notBefore(cert, t.get()) : X509_set1_notAfter(cert, t.get());
  if (rc != 1) return OpenSslError(absl::StatusCode::kInternal, "setting validity failed");
  return absl::OkStatus();
}

absl::Status CheckTemplate(const CertificateTemplate& t, system_clock::time_point not_after) {
  if (t.not_before >= not_after) {
    return absl::InvalidArgumentError(
        fmt::format("certificate validity ends ({} s since epoch) before it begins ({} s)",
                    system_clock::to_time_t(not_after), system_clock::to_time_t(t.not_before)));
  }
  if (t.path_len && (!t.is_ca || *t.path_len < 0)) {
    return absl::InvalidArgumentError("pathLenConstraint needs is_ca and must not be negative");
  }
  if (!t.serial.empty()) {
    size_t first = 0;
    while (first < t.serial.size() && t.serial[first] == 0) ++first;
    size_t len = t.serial.size() - first;
    if (len == 0) return absl::InvalidArgumentError("certificate serial must not be zero");
    // The DER INTEGER gains a leading zero octet when the top bit is set.
    if (len + ((t.serial[first] & 0x80) ? 1 : 0) > 20) {
      return absl::InvalidArgumentError("certificate serial is longer than 20 octets");
    }
  }
  if (t.subject.empty() && t.uri_sans.empty() && t.dns_sans.empty() && t.ip_sans.empty()) {
    return absl::InvalidArgumentError(
        "a certificate with an empty subject needs a subjectAltName (RFC 5280 §4.1.2.6)");
  }
  return absl::OkStatus();
}

// Builds and signs. `issuer` is null for self-signed certificates (then signer == subject key).
absl::StatusOr<Certificate> Build(const CertificateTemplate& t, EVP_PKEY* subject_key,
                                  const Certificate* issuer, const PrivateKey& signer) {
  system_clock::time_point not_after = t.not_after;
  if (issuer != nullptr && t.cap_to_issuer && issuer->NotAfter() < not_after) {
    not_after = issuer->NotAfter();
  }
  DSTART_RETURN_IF_ERROR(CheckTemplate(t, not_after));

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_new failed");
  }
  std::vector<uint8_t> serial = t.serial.empty() ? RandomSerialNumber() : t.serial;
  BignumPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  Asn1IntegerPtr asn1_serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!asn1_serial || X509_set_serialNumber(cert.get(), asn1_serial.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "setting the serial number failed");
  }
  DSTART_ASSIGN_OR_RETURN(X509NamePtr subject, internal::ToX509Name(t.subject));
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer->get()) : subject.get();
  if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer_name) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "setting names or key failed");
  }
  DSTART_RETURN_IF_ERROR(SetTime(cert.get(), true, t.not_before));
  DSTART_RETURN_IF_ERROR(SetTime(cert.get(), false, not_after));

  DSTART_RETURN_IF_ERROR(AddBasicConstraints(cert.get(), t));
  if (!t.key_usage.empty()) {
    DSTART_RETURN_IF_ERROR(AddKeyUsage(cert.get(), t.key_usage, t.key_usage_critical));
  }
  if (!t.ext_key_usage.empty()) DSTART_RETURN_IF_ERROR(AddExtKeyUsage(cert.get(), t.ext_key_usage));
  if (!t.uri_sans.empty() || !t.dns_sans.empty() || !t.ip_sans.empty()) {
    DSTART_ASSIGN_OR_RETURN(GeneralNamesPtr names,
                            internal::BuildGeneralNames(t.uri_sans, t.dns_sans, t.ip_sans));
    DSTART_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, names.get(),
                                        t.san_critical || t.subject.empty(), "subjectAltName"));
  }
  std::vector<uint8_t> issuer_key_id;
  if (issuer != nullptr) {
    issuer_key_id = issuer->SubjectKeyId();
    if (issuer_key_id.empty()) {
      DSTART_ASSIGN_OR_RETURN(issuer_key_id, KeyIdentifier(issuer->get()));
    }
  } else {
    DSTART_ASSIGN_OR_RETURN(issuer_key_id, KeyIdentifier(cert.get()));
  }
  DSTART_RETURN_IF_ERROR(AddKeyIds(cert.get(), t, issuer_key_id));

  Hash hash = t.signature_hash.value_or(signer.default_hash());
  if (X509_sign(cert.get(), signer.get(), internal::HashMd(static_cast<int>(hash))) <= 0) {
    return OpenSslError(absl::StatusCode::kInternal, "signing the certificate failed");
  }
  // Not re-parsed: decoding the key again costs more than signing with P-256 in OpenSSL 3.0.
  // Tests parse what the builder makes and compare.
  return Certificate::FromHandle(std::move(cert));
}

}  // namespace

absl::StatusOr<Certificate> SelfSignCertificate(const CertificateTemplate& tmpl,
                                                const PrivateKey& key) {
  return Build(tmpl, key.get(), nullptr, key);
}

absl::StatusOr<Certificate> IssueCertificate(const CertificateTemplate& tmpl,
                                             const PublicKey& subject_key,
                                             const Certificate& issuer,
                                             const PrivateKey& issuer_key) {
  if (!issuer.IsCa()) {
    return absl::FailedPreconditionError(
        fmt::format("issuer \"{}\" is not a CA (basicConstraints cA is not true)", issuer.Subject()));
  }
  if (auto ku = issuer.GetKeyUsage(); ku && !ku->key_cert_sign) {
    return absl::FailedPreconditionError(
        fmt::format("issuer \"{}\" lacks keyUsage keyCertSign", issuer.Subject()));
  }
  DSTART_ASSIGN_OR_RETURN(PublicKey issuer_public, issuer.public_key());
  if (!issuer_key.Matches(issuer_public)) {
    return absl::InvalidArgumentError(
        fmt::format("the signing key does not match issuer \"{}\"", issuer.Subject()));
  }
  return Build(tmpl, subject_key.get(), &issuer, issuer_key);
}

absl::StatusOr<Certificate> IssueCertificateFromCsr(const CertificateTemplate& tmpl,
                                                    const CertificateRequest& csr,
                                                    const Certificate& issuer,
                                                    const PrivateKey& issuer_key) {
  DSTART_RETURN_IF_ERROR(csr.VerifySignature());
  DSTART_ASSIGN_OR_RETURN(PublicKey key, csr.public_key());
  return IssueCertificate(tmpl, key, issuer, issuer_key);
}

CertificateTemplate RootCaTemplate(const DistinguishedName& subject,
                                   std::string_view trust_domain_id,
                                   system_clock::time_point now, std::chrono::seconds ttl) {
  CertificateTemplate t;
  t.subject = subject;
  t.not_before = now - kBackdate;
  t.not_after = now + ttl;
  t.is_ca = true;
  t.key_usage.key_cert_sign = true;
  t.key_usage.crl_sign = true;
  if (!trust_domain_id.empty()) t.uri_sans.emplace_back(trust_domain_id);
  return t;
}

CertificateTemplate IntermediateCaTemplate(const DistinguishedName& subject,
                                           std::string_view trust_domain_id,
                                           system_clock::time_point now, std::chrono::seconds ttl,
                                           std::optional<int> path_len) {
  CertificateTemplate t = RootCaTemplate(subject, trust_domain_id, now, ttl);
  t.path_len = path_len;
  return t;
}

CertificateTemplate X509SvidTemplate(std::string_view spiffe_id,
                                     const std::vector<std::string>& dns_sans,
                                     system_clock::time_point now, std::chrono::seconds ttl) {
  CertificateTemplate t;
  std::vector<uint8_t> digest = Sha256(common::AsBytes(spiffe_id));
  digest.resize(16);
  t.subject = {{"C", "US"}, {"O", "SPIRE"}, {"x500UniqueIdentifier", common::HexEncode(digest)}};
  if (!dns_sans.empty()) t.subject.push_back({"CN", dns_sans.front()});
  t.not_before = now - kBackdate;
  t.not_after = now + ttl;
  t.is_ca = false;
  t.key_usage.digital_signature = true;
  t.key_usage.key_encipherment = true;
  t.key_usage.key_agreement = true;
  t.ext_key_usage.server_auth = true;
  t.ext_key_usage.client_auth = true;
  t.uri_sans = {std::string(spiffe_id)};
  t.dns_sans = dns_sans;
  return t;
}

CertificateTemplate ServerCertTemplate(const DistinguishedName& subject,
                                       const std::vector<std::string>& dns_sans,
                                       const std::vector<std::string>& ip_sans,
                                       system_clock::time_point now, std::chrono::seconds ttl) {
  CertificateTemplate t;
  t.subject = subject;
  t.not_before = now - kBackdate;
  t.not_after = now + ttl;
  t.key_usage.digital_signature = true;
  t.key_usage.key_encipherment = true;
  t.ext_key_usage.server_auth = true;
  t.dns_sans = dns_sans;
  t.ip_sans = ip_sans;
  return t;
}

CertificateTemplate ClientCertTemplate(const DistinguishedName& subject,
                                       system_clock::time_point now, std::chrono::seconds ttl) {
  CertificateTemplate t;
  t.subject = subject;
  t.not_before = now - kBackdate;
  t.not_after = now + ttl;
  t.key_usage.digital_signature = true;
  t.key_usage.key_encipherment = true;
  t.ext_key_usage.client_auth = true;
  return t;
}

}  // namespace dstart::crypto
