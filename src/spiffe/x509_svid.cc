#include "spiffe/x509_svid.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/status.h"
#include "crypto/verify.h"

namespace dstart::spiffe {
namespace {

std::string FormatTime(TimePoint t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

absl::Status WithContext(std::string_view context, const absl::Status& status) {
  return absl::Status(status.code(), fmt::format("{}: {}", context, std::string(status.message())));
}

std::string Describe(const crypto::Certificate& cert) {
  std::string subject = cert.Subject();
  return subject.empty() ? fmt::format("serial {}", cert.SerialHex()) : subject;
}

// Reads one DER tag-length header at `pos`; returns false when malformed.
bool ReadDerHeader(std::span<const uint8_t> der, size_t& pos, uint8_t& tag, size_t& len) {
  if (pos + 2 > der.size()) return false;
  tag = der[pos++];
  uint8_t first = der[pos++];
  if (first < 0x80) {
    len = first;
  } else {
    size_t n = first & 0x7f;
    if (n == 0 || n > 4 || pos + n > der.size()) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | der[pos++];
  }
  return len <= der.size() - pos;
}

// PKCS#8 PrivateKeyInfo is SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING key }.
// SEC1 (EC) and PKCS#1 (RSA) keys follow the version with an OCTET STRING or an INTEGER, so the
// tag after the version tells them apart without decoding the key.
bool LooksLikePkcs8(std::span<const uint8_t> der) {
  size_t pos = 0, len = 0;
  uint8_t tag = 0;
  if (!ReadDerHeader(der, pos, tag, len) || tag != 0x30) return false;
  if (!ReadDerHeader(der, pos, tag, len) || tag != 0x02) return false;
  pos += len;
  return ReadDerHeader(der, pos, tag, len) && tag == 0x30;
}

}  // namespace

absl::StatusOr<SpiffeId> IdFromCertificate(const crypto::Certificate& cert) {
  std::vector<std::string> uris = cert.UriSans();
  if (uris.empty()) {
    return absl::InvalidArgumentError("certificate contains no URI SAN");
  }
  if (uris.size() > 1) {
    return absl::InvalidArgumentError(fmt::format(
        "certificate contains more than one URI SAN ({}: {})", uris.size(), fmt::join(uris, ", ")));
  }
  auto id = SpiffeId::FromString(uris[0]);
  if (!id.ok()) return WithContext("certificate URI SAN", id.status());
  return id;
}

absl::StatusOr<SpiffeId> CheckLeafCertificate(const crypto::Certificate& leaf) {
  auto id = IdFromCertificate(leaf);
  if (!id.ok()) return WithContext("leaf certificate", id.status());
  if (id->IsRoot()) {
    return absl::InvalidArgumentError(fmt::format(
        "leaf certificate SPIFFE ID \"{}\" has no path (a workload ID needs a non-root path)",
        id->String()));
  }
  if (leaf.IsCa()) {
    return absl::InvalidArgumentError("leaf certificate must not have CA flag set to true");
  }
  std::optional<crypto::KeyUsage> ku = leaf.GetKeyUsage();
  if (!ku) {
    return absl::InvalidArgumentError(
        "leaf certificate has no key usage extension (digitalSignature is required)");
  }
  if (ku->key_cert_sign) {
    return absl::InvalidArgumentError(
        "leaf certificate must not have 'keyCertSign' set as key usage");
  }
  if (ku->crl_sign) {
    return absl::InvalidArgumentError("leaf certificate must not have 'cRLSign' set as key usage");
  }
  if (!ku->digital_signature) {
    return absl::InvalidArgumentError(
        "leaf certificate must have 'digitalSignature' set as key usage");
  }
  return id;
}

absl::Status CheckIntermediateCertificates(std::span<const crypto::Certificate> chain) {
  for (size_t i = 1; i < chain.size(); ++i) {
    const crypto::Certificate& cert = chain[i];
    if (!cert.IsCa()) {
      return absl::InvalidArgumentError(fmt::format(
          "certificate {} of the chain ({}) is not a CA: every certificate after the leaf must "
          "have the CA flag set",
          i, Describe(cert)));
    }
    std::optional<crypto::KeyUsage> ku = cert.GetKeyUsage();
    if (!ku || !ku->key_cert_sign) {
      return absl::InvalidArgumentError(
          fmt::format("certificate {} of the chain ({}) must have 'keyCertSign' set as key usage",
                      i, Describe(cert)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SpiffeId> VerifyX509SvidChain(std::span<const crypto::Certificate> chain,
                                             const Bundle& bundle, TimePoint now) {
  if (chain.empty()) return absl::InvalidArgumentError("X.509-SVID chain is empty");
  const crypto::Certificate& leaf = chain[0];
  DSTART_ASSIGN_OR_RETURN(SpiffeId id, CheckLeafCertificate(leaf));
  if (!id.MemberOf(bundle.trust_domain())) {
    return absl::InvalidArgumentError(fmt::format(
        "X.509-SVID \"{}\" belongs to trust domain \"{}\", not to the bundle's trust domain \"{}\"",
        id.String(), id.GetTrustDomain().Name(), bundle.trust_domain().Name()));
  }
  if (bundle.x509_authorities().empty()) {
    return absl::FailedPreconditionError(
        fmt::format("the bundle of trust domain \"{}\" has no X.509 authorities",
                    bundle.trust_domain().Name()));
  }
  if (now < leaf.NotBefore()) {
    return absl::FailedPreconditionError(
        fmt::format("X.509-SVID \"{}\" is not yet valid: notBefore {} is after the current time {}",
                    id.String(), FormatTime(leaf.NotBefore()), FormatTime(now)));
  }
  if (now > leaf.NotAfter()) {
    return absl::FailedPreconditionError(
        fmt::format("X.509-SVID \"{}\" has expired: notAfter {} is before the current time {}",
                    id.String(), FormatTime(leaf.NotAfter()), FormatTime(now)));
  }
  std::vector<crypto::Certificate> intermediates(chain.begin() + 1, chain.end());
  auto verified =
      crypto::VerifyCertificateChain(leaf, intermediates, bundle.x509_authorities(), now);
  if (!verified.ok()) {
    return WithContext(fmt::format("X.509-SVID \"{}\" does not chain to the bundle of trust "
                                   "domain \"{}\"",
                                   id.String(), bundle.trust_domain().Name()),
                       verified.status());
  }
  return id;
}

absl::StatusOr<SpiffeId> VerifyX509SvidChain(std::span<const crypto::Certificate> chain,
                                             const BundleSet& bundles, TimePoint now) {
  if (chain.empty()) return absl::InvalidArgumentError("X.509-SVID chain is empty");
  DSTART_ASSIGN_OR_RETURN(SpiffeId id, CheckLeafCertificate(chain[0]));
  const Bundle* bundle = bundles.Find(id.GetTrustDomain());
  if (bundle == nullptr) {
    return absl::NotFoundError(
        fmt::format("no X.509 bundle found for trust domain \"{}\" (of X.509-SVID \"{}\")",
                    id.GetTrustDomain().Name(), id.String()));
  }
  return VerifyX509SvidChain(chain, *bundle, now);
}

absl::Status CheckKeyMatchesCertificate(const crypto::PrivateKey& key,
                                        const crypto::Certificate& leaf) {
  auto pub = leaf.public_key();
  if (!pub.ok()) return WithContext("leaf certificate public key", pub.status());
  if (!key.Matches(*pub)) {
    return absl::InvalidArgumentError("leaf certificate does not match private key");
  }
  return absl::OkStatus();
}

absl::StatusOr<X509Svid> X509Svid::FromParts(std::vector<crypto::Certificate> chain,
                                             crypto::PrivateKey key) {
  if (chain.empty()) return absl::InvalidArgumentError("X.509-SVID has no certificates");
  DSTART_ASSIGN_OR_RETURN(SpiffeId id, CheckLeafCertificate(chain[0]));
  DSTART_RETURN_IF_ERROR(CheckIntermediateCertificates(chain));
  DSTART_RETURN_IF_ERROR(CheckKeyMatchesCertificate(key, chain[0]));
  return X509Svid(std::move(id), std::move(chain), std::move(key));
}

absl::StatusOr<X509Svid> X509Svid::ParseRaw(std::span<const uint8_t> certs_der,
                                            std::span<const uint8_t> key_der) {
  if (certs_der.empty()) return absl::InvalidArgumentError("X.509-SVID certificates are empty");
  auto chain = crypto::Certificate::ChainFromDer(certs_der);
  if (!chain.ok()) return WithContext("cannot parse X.509-SVID certificates", chain.status());
  if (key_der.empty()) return absl::InvalidArgumentError("X.509-SVID private key is empty");
  // The Workload API carries PKCS#8 only (§0 item 7); Go clients refuse SEC1 and PKCS#1.
  if (!LooksLikePkcs8(key_der)) {
    return absl::InvalidArgumentError(
        "cannot parse X.509-SVID private key: not a PKCS#8 PrivateKeyInfo (SEC1 and PKCS#1 "
        "keys are not accepted here)");
  }
  auto key = crypto::PrivateKey::FromDer(key_der);
  if (!key.ok()) return WithContext("cannot parse X.509-SVID private key", key.status());
  return FromParts(std::move(chain).value(), std::move(key).value());
}

absl::StatusOr<X509Svid> X509Svid::Parse(std::string_view certs_pem, std::string_view key_pem) {
  auto chain = crypto::Certificate::ChainFromPem(certs_pem);
  if (!chain.ok()) return WithContext("cannot parse X.509-SVID certificates", chain.status());
  auto key = crypto::PrivateKey::FromPem(key_pem);
  if (!key.ok()) return WithContext("cannot parse X.509-SVID private key", key.status());
  return FromParts(std::move(chain).value(), std::move(key).value());
}

TimePoint X509Svid::expires_at() const { return leaf().NotAfter(); }

std::vector<uint8_t> X509Svid::CertificatesDer() const {
  return crypto::Certificate::ChainToDer(chain_);
}
std::string X509Svid::CertificatesPem() const { return crypto::Certificate::ChainToPem(chain_); }
std::vector<uint8_t> X509Svid::KeyPkcs8Der() const { return key_.ToPkcs8Der(); }
std::string X509Svid::KeyPkcs8Pem() const { return key_.ToPkcs8Pem(); }

absl::Status X509Svid::Verify(const BundleSet& bundles, TimePoint now) const {
  return VerifyX509SvidChain(chain_, bundles, now).status();
}
absl::Status X509Svid::Verify(const Bundle& bundle, TimePoint now) const {
  return VerifyX509SvidChain(chain_, bundle, now).status();
}

}  // namespace dstart::spiffe
