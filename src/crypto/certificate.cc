#include "crypto/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <set>

#include "common/encoding.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/internal.h"
#include "crypto/pem.h"
#include "fmt/format.h"

namespace dstart::crypto {
namespace {

using internal::OpenSslError;

// Checks OpenSSL's lazy decoding would otherwise leave to each accessor: every extension must
// decode, none may repeat (RFC 5280 §4.2), and the serial must not be negative (Go ≥ 1.23
// refuses such certificates, so SVIDs must never carry one).
absl::Status CheckParsed(X509* cert) {
  std::set<std::string> seen;
  for (int i = 0; i < X509_get_ext_count(cert); ++i) {
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(X509_get_ext(cert, i));
    char buf[80];
    int len = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
    std::string oid = len > 0 ? std::string(buf, std::min<size_t>(len, sizeof(buf) - 1)) : "?";
    if (!seen.insert(oid).second) {
      return absl::InvalidArgumentError(
          fmt::format("certificate: extension {} appears more than once", oid));
    }
  }
  uint32_t flags = X509_get_extension_flags(cert);
  if (flags & EXFLAG_INVALID) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate: an extension is malformed");
  }
  if (ASN1_STRING_type(X509_get0_serialNumber(cert)) == V_ASN1_NEG_INTEGER) {
    return absl::InvalidArgumentError("certificate: serial number is negative");
  }
  if (X509_get0_pubkey(cert) == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate: public key is malformed or of an unknown algorithm");
  }
  internal::ClearOpenSslErrors();
  return absl::OkStatus();
}

// Times beyond what system_clock holds (about years 1678-2262 with nanosecond ticks) saturate:
// "99991231235959Z", RFC 5280's "no expiry", becomes time_point::max().
std::chrono::system_clock::time_point ToTimePoint(const ASN1_TIME* t) {
  using std::chrono::system_clock;
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    internal::ClearOpenSslErrors();
    return system_clock::time_point::min();
  }
  time_t secs = timegm(&tm);
  if (secs >= system_clock::to_time_t(system_clock::time_point::max())) {
    return system_clock::time_point::max();
  }
  if (secs <= system_clock::to_time_t(system_clock::time_point::min())) {
    return system_clock::time_point::min();
  }
  return system_clock::from_time_t(secs);
}

GeneralNamesPtr SubjectAltNames(X509* cert) {
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  internal::ClearOpenSslErrors();
  return names;
}

std::vector<uint8_t> OctetBytes(const ASN1_OCTET_STRING* s) {
  if (s == nullptr) return {};
  const uint8_t* data = ASN1_STRING_get0_data(s);
  return std::vector<uint8_t>(data, data + ASN1_STRING_length(s));
}

}  // namespace

Certificate::Certificate(X509Ptr cert) : cert_(std::move(cert)) {}
Certificate::Certificate(const Certificate& other) : cert_(other.cert_.get()) {
  if (cert_) X509_up_ref(cert_.get());
}
Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    if (other.cert_) X509_up_ref(other.cert_.get());
    cert_.reset(other.cert_.get());
  }
  return *this;
}
Certificate::~Certificate() = default;

Certificate Certificate::FromHandle(X509Ptr cert) { return Certificate(std::move(cert)); }

absl::StatusOr<Certificate> Certificate::FromDer(std::span<const uint8_t> der) {
  if (der.empty()) return absl::InvalidArgumentError("certificate: empty DER");
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "certificate: not a DER X.509 certificate");
  }
  if (p != der.data() + der.size()) {
    return absl::InvalidArgumentError(fmt::format("certificate: {} bytes after the certificate",
                                                  der.data() + der.size() - p));
  }
  DSTART_RETURN_IF_ERROR(CheckParsed(cert.get()));
  return Certificate(std::move(cert));
}

absl::StatusOr<std::vector<Certificate>> Certificate::ChainFromDer(std::span<const uint8_t> der) {
  std::vector<Certificate> chain;
  if (der.empty()) return absl::InvalidArgumentError("certificate chain: empty");
  const unsigned char* p = der.data();
  const unsigned char* end = der.data() + der.size();
  while (p < end) {
    size_t offset = static_cast<size_t>(p - der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
    if (!cert) {
      return OpenSslError(absl::StatusCode::kInvalidArgument,
                          fmt::format("certificate chain: certificate {} (at byte {}) is not DER "
                                      "X.509",
                                      chain.size(), offset));
    }
    if (auto s = CheckParsed(cert.get()); !s.ok()) {
      return absl::InvalidArgumentError(fmt::format("certificate chain: certificate {} (at byte {}): {}",
                                                    chain.size(), offset,
                                                    std::string(s.message())));
    }
    chain.push_back(Certificate(std::move(cert)));
  }
  return chain;
}

absl::StatusOr<Certificate> Certificate::FromPem(std::string_view pem) {
  DSTART_ASSIGN_OR_RETURN(auto blocks, ParsePem(pem));
  for (const auto& b : blocks) {
    if (b.label != "CERTIFICATE") continue;
    auto cert = FromDer(b.der);
    if (!cert.ok()) {
      return absl::Status(cert.status().code(), fmt::format("PEM block on line {}: {}", b.line,
                                                            std::string(cert.status().message())));
    }
    return cert;
  }
  return absl::InvalidArgumentError("no \"CERTIFICATE\" PEM block found");
}

absl::StatusOr<std::vector<Certificate>> Certificate::ChainFromPem(std::string_view pem) {
  DSTART_ASSIGN_OR_RETURN(auto blocks, ParsePem(pem));
  std::vector<Certificate> chain;
  for (const auto& b : blocks) {
    if (b.label != "CERTIFICATE") continue;
    auto cert = FromDer(b.der);
    if (!cert.ok()) {
      return absl::Status(cert.status().code(), fmt::format("PEM block on line {}: {}", b.line,
                                                            std::string(cert.status().message())));
    }
    chain.push_back(*std::move(cert));
  }
  if (chain.empty()) return absl::InvalidArgumentError("no \"CERTIFICATE\" PEM block found");
  return chain;
}

std::vector<uint8_t> Certificate::ChainToDer(const std::vector<Certificate>& chain) {
  std::vector<uint8_t> out;
  for (const auto& c : chain) {
    std::vector<uint8_t> der = c.ToDer();
    out.insert(out.end(), der.begin(), der.end());
  }
  return out;
}

std::string Certificate::ChainToPem(const std::vector<Certificate>& chain) {
  std::string out;
  for (const auto& c : chain) out += c.ToPem();
  return out;
}

std::vector<uint8_t> Certificate::ToDer() const {
  return internal::EncodeDer(i2d_X509, cert_.get());
}

std::string Certificate::ToPem() const { return EncodePem("CERTIFICATE", ToDer()); }

std::vector<std::string> Certificate::UriSans() const {
  GeneralNamesPtr names = SubjectAltNames(cert_.get());
  return internal::GeneralNamesOfType(names.get(), GEN_URI);
}

std::vector<std::string> Certificate::DnsSans() const {
  GeneralNamesPtr names = SubjectAltNames(cert_.get());
  return internal::GeneralNamesOfType(names.get(), GEN_DNS);
}

size_t Certificate::SanCount() const {
  GeneralNamesPtr names = SubjectAltNames(cert_.get());
  return names ? static_cast<size_t>(sk_GENERAL_NAME_num(names.get())) : 0;
}

bool Certificate::HasBasicConstraints() const {
  return (X509_get_extension_flags(cert_.get()) & EXFLAG_BCONS) != 0;
}

bool Certificate::IsCa() const {
  return (X509_get_extension_flags(cert_.get()) & EXFLAG_CA) != 0;
}

std::optional<int> Certificate::PathLen() const {
  long len = X509_get_pathlen(cert_.get());
  if (len < 0) return std::nullopt;
  return static_cast<int>(len);
}

std::optional<KeyUsage> Certificate::GetKeyUsage() const {
  if ((X509_get_extension_flags(cert_.get()) & EXFLAG_KUSAGE) == 0) return std::nullopt;
  uint32_t bits = X509_get_key_usage(cert_.get());
  KeyUsage ku;
  ku.digital_signature = bits & KU_DIGITAL_SIGNATURE;
  ku.content_commitment = bits & KU_NON_REPUDIATION;
  ku.key_encipherment = bits & KU_KEY_ENCIPHERMENT;
  ku.data_encipherment = bits & KU_DATA_ENCIPHERMENT;
  ku.key_agreement = bits & KU_KEY_AGREEMENT;
  ku.key_cert_sign = bits & KU_KEY_CERT_SIGN;
  ku.crl_sign = bits & KU_CRL_SIGN;
  return ku;
}

bool Certificate::KeyUsageCritical() const {
  int idx = X509_get_ext_by_NID(cert_.get(), NID_key_usage, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert_.get(), idx)) == 1;
}

std::optional<ExtKeyUsage> Certificate::GetExtKeyUsage() const {
  if ((X509_get_extension_flags(cert_.get()) & EXFLAG_XKUSAGE) == 0) return std::nullopt;
  uint32_t bits = X509_get_extended_key_usage(cert_.get());
  ExtKeyUsage eku;
  eku.server_auth = bits & XKU_SSL_SERVER;
  eku.client_auth = bits & XKU_SSL_CLIENT;
  return eku;
}

Certificate::TimePoint Certificate::NotBefore() const {
  return ToTimePoint(X509_get0_notBefore(cert_.get()));
}

Certificate::TimePoint Certificate::NotAfter() const {
  return ToTimePoint(X509_get0_notAfter(cert_.get()));
}

std::vector<uint8_t> Certificate::SerialBytes() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  if (!bn) {
    internal::ClearOpenSslErrors();
    return {};
  }
  return internal::BignumBytes(bn.get());
}

std::string Certificate::SerialHex() const {
  std::vector<uint8_t> bytes = SerialBytes();
  if (bytes.empty()) return "00";
  return common::HexEncode(bytes);
}

std::string Certificate::SerialDecimal() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  char* dec = bn ? BN_bn2dec(bn.get()) : nullptr;
  if (dec == nullptr) {
    internal::ClearOpenSslErrors();
    return "";
  }
  std::string out(dec);
  OPENSSL_free(dec);
  return out;
}

DistinguishedName Certificate::SubjectName() const {
  return internal::FromX509Name(X509_get_subject_name(cert_.get()));
}

DistinguishedName Certificate::IssuerName() const {
  return internal::FromX509Name(X509_get_issuer_name(cert_.get()));
}

std::string Certificate::Subject() const { return FormatDistinguishedName(SubjectName()); }
std::string Certificate::Issuer() const { return FormatDistinguishedName(IssuerName()); }

std::string Certificate::CommonName() const {
  std::string cn;
  for (const auto& attr : SubjectName()) {
    if (attr.type == "CN") cn = attr.value;
  }
  return cn;
}

std::vector<uint8_t> Certificate::SubjectKeyId() const {
  return OctetBytes(X509_get0_subject_key_id(cert_.get()));
}

std::vector<uint8_t> Certificate::AuthorityKeyId() const {
  return OctetBytes(X509_get0_authority_key_id(cert_.get()));
}

std::string Certificate::Sha1Fingerprint() const { return common::HexEncode(Sha1(ToDer())); }
std::string Certificate::Sha256Fingerprint() const { return common::HexEncode(Sha256(ToDer())); }

absl::StatusOr<PublicKey> Certificate::public_key() const {
  EVP_PKEY* key = X509_get0_pubkey(cert_.get());
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "certificate: public key is malformed");
  }
  EVP_PKEY_up_ref(key);
  return PublicKey::FromHandle(EvpPkeyPtr(key));
}

bool Certificate::IsSelfSigned() const {
  bool self = X509_self_signed(cert_.get(), 1) == 1;
  internal::ClearOpenSslErrors();
  return self;
}

absl::Status Certificate::VerifySignature(const PublicKey& issuer_key) const {
  int rc = X509_verify(cert_.get(), issuer_key.get());
  internal::ClearOpenSslErrors();
  if (rc != 1) return absl::InvalidArgumentError("certificate signature does not verify");
  return absl::OkStatus();
}

bool Certificate::operator==(const Certificate& other) const {
  if (cert_.get() == other.cert_.get()) return true;
  if (!cert_ || !other.cert_) return false;
  return ToDer() == other.ToDer();
}

}  // namespace dstart::crypto
