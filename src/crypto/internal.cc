#include "crypto/internal.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/digest.h"
#include "fmt/format.h"

namespace dstart::crypto::internal {

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string message(what);
  std::string reasons;
  unsigned long err;
  while ((err = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    const char* reason = ERR_reason_error_string(err);
    if (!reasons.empty()) reasons += "; ";
    reasons += reason != nullptr ? reason : buf;
  }
  if (!reasons.empty()) message = fmt::format("{} ({})", message, reasons);
  return absl::Status(code, message);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

void FreeDer(unsigned char* der) { OPENSSL_free(der); }

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(len));
}

std::vector<uint8_t> BignumBytes(const BIGNUM* bn, size_t width) {
  size_t n = static_cast<size_t>(BN_num_bytes(bn));
  if (width < n) width = n;
  std::vector<uint8_t> out(width);
  if (width > 0) BN_bn2binpad(bn, out.data(), static_cast<int>(width));
  return out;
}

absl::StatusOr<X509NamePtr> ToX509Name(const DistinguishedName& name) {
  X509NamePtr out(X509_NAME_new());
  if (!out) return OpenSslError(absl::StatusCode::kInternal, "X509_NAME_new failed");
  for (size_t i = 0; i < name.size(); ++i) {
    const NameAttribute& attr = name[i];
    if (OBJ_txt2nid(attr.type.c_str()) == NID_undef) {
      // A dotted OID that OpenSSL does not know by name is still acceptable.
      std::unique_ptr<ASN1_OBJECT, FreeWith<ASN1_OBJECT_free>> obj(
          OBJ_txt2obj(attr.type.c_str(), 1));
      if (!obj) {
        ClearOpenSslErrors();
        return absl::InvalidArgumentError(
            fmt::format("name attribute {}: unknown attribute type \"{}\"", i + 1, attr.type));
      }
    }
    if (X509_NAME_add_entry_by_txt(out.get(), attr.type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(attr.value.data()),
                                   static_cast<int>(attr.value.size()), -1, 0) != 1) {
      return OpenSslError(absl::StatusCode::kInvalidArgument,
                          fmt::format("name attribute {}: {}=\"{}\" is not acceptable", i + 1,
                                      attr.type, attr.value));
    }
  }
  return out;
}

DistinguishedName FromX509Name(const X509_NAME* name) {
  DistinguishedName out;
  if (name == nullptr) return out;
  int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
    NameAttribute attr;
    int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
      attr.type = OBJ_nid2sn(nid);
    } else {
      char buf[128];
      int len = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
      attr.type = len > 0 ? std::string(buf, std::min<size_t>(len, sizeof(buf) - 1)) : "?";
    }
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len >= 0) {
      attr.value.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
      OPENSSL_free(utf8);
    } else {
      ClearOpenSslErrors();
    }
    out.push_back(std::move(attr));
  }
  return out;
}

std::vector<std::string> GeneralNamesOfType(const stack_st_GENERAL_NAME* names, int type) {
  std::vector<std::string> out;
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != type) continue;
    const ASN1_IA5STRING* s = nullptr;
    if (type == GEN_URI) s = gn->d.uniformResourceIdentifier;
    if (type == GEN_DNS) s = gn->d.dNSName;
    if (type == GEN_EMAIL) s = gn->d.rfc822Name;
    if (s == nullptr) continue;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
  }
  return out;
}

namespace {

using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, FreeWith<GENERAL_NAME_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, FreeWith<ASN1_IA5STRING_free>>;

absl::Status Push(GENERAL_NAMES* names, GeneralNamePtr gn) {
  if (sk_GENERAL_NAME_push(names, gn.get()) == 0) {
    return OpenSslError(absl::StatusCode::kInternal, "building a SAN failed");
  }
  gn.release();  // Owned by names.
  return absl::OkStatus();
}

absl::Status AddIa5Name(GENERAL_NAMES* names, int type, const std::string& value,
                        std::string_view kind) {
  if (value.empty()) {
    return absl::InvalidArgumentError(fmt::format("empty {} subject alternative name", kind));
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(
          fmt::format("{} SAN \"{}\" has a character outside printable ASCII", kind, value));
    }
  }
  Ia5StringPtr s(ASN1_IA5STRING_new());
  GeneralNamePtr gn(GENERAL_NAME_new());
  if (!s || !gn || ASN1_STRING_set(s.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "building a SAN failed");
  }
  GENERAL_NAME_set0_value(gn.get(), type, s.release());
  return Push(names, std::move(gn));
}

}  // namespace

absl::StatusOr<GeneralNamesPtr> BuildGeneralNames(const std::vector<std::string>& uris,
                                                  const std::vector<std::string>& dns_names,
                                                  const std::vector<std::string>& ips) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError(absl::StatusCode::kInternal, "allocating SANs failed");
  for (const auto& uri : uris) {
    if (auto s = AddIa5Name(names.get(), GEN_URI, uri, "URI"); !s.ok()) return s;
  }
  for (const auto& dns : dns_names) {
    if (auto s = AddIa5Name(names.get(), GEN_DNS, dns, "DNS"); !s.ok()) return s;
  }
  for (const auto& ip : ips) {
    Asn1OctetStringPtr addr(a2i_IPADDRESS(ip.c_str()));
    if (!addr) {
      ClearOpenSslErrors();
      return absl::InvalidArgumentError(fmt::format("IP SAN \"{}\" is not an IP address", ip));
    }
    GeneralNamePtr gn(GENERAL_NAME_new());
    if (!gn) return OpenSslError(absl::StatusCode::kInternal, "building a SAN failed");
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, addr.release());
    if (auto s = Push(names.get(), std::move(gn)); !s.ok()) return s;
  }
  return names;
}

const EVP_MD* HashMd(int hash) {
  switch (static_cast<Hash>(hash)) {
    case Hash::kSha256:
      return EVP_sha256();
    case Hash::kSha384:
      return EVP_sha384();
    case Hash::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace dstart::crypto::internal
