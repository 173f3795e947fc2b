// The server CA (spec/spire.md §6.2, spec/spiffe.md §2.7): a signing X.509 authority issued by
// the upstream authority (or self-signed), a JWT signing key, their rotation, and the trust
// bundle they publish. The admin API and the agent API mint SVIDs through this interface.
//
// Thread-safety: every method may be called concurrently.
#ifndef DSTART_SERVER_CA_MANAGER_H_
#define DSTART_SERVER_CA_MANAGER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::server::ca {

struct JwtAuthority {
  std::string key_id;
  std::string public_key_der;  // PKIX SubjectPublicKeyInfo
  int64_t expires_at = 0;      // unix seconds
};

// The own trust domain's bundle: X.509 roots and JWT keys, with a sequence number that grows on
// every change.
struct BundleData {
  std::vector<std::string> x509_authorities;  // DER
  std::vector<JwtAuthority> jwt_authorities;
  int64_t refresh_hint = 0;  // seconds
  uint64_t sequence_number = 0;
};

struct X509Svid {
  std::string spiffe_id;
  std::vector<std::string> cert_chain;  // DER, leaf first, then intermediates up to the roots
  int64_t expires_at = 0;
};

struct JwtSvid {
  std::string token;
  int64_t expires_at = 0;
};

class Manager {
 public:
  virtual ~Manager() = default;

  virtual BundleData Bundle() const = 0;

  // Signs the public key of a DER PKCS#10 request whose single URI SAN is a SPIFFE ID of the
  // trust domain, with the leaf profile; ttl_seconds 0 means default_x509_svid_ttl. NotAfter is
  // capped at the signing CA's NotAfter. InvalidArgument for a bad CSR, naming what is wrong.
  virtual absl::StatusOr<X509Svid> MintX509SvidFromCsr(const std::string& csr_der,
                                                       int ttl_seconds) = 0;
  // Signs an X.509-SVID for `spiffe_id` over a public key (PKIX DER) with optional DNS names.
  virtual absl::StatusOr<X509Svid> MintX509Svid(const std::string& spiffe_id,
                                                const std::string& public_key_der,
                                                const std::vector<std::string>& dns_names,
                                                int ttl_seconds) = 0;
  // A JWT-SVID for `spiffe_id` with the audiences; ttl_seconds 0 means default_jwt_svid_ttl.
  virtual absl::StatusOr<JwtSvid> MintJwtSvid(const std::string& spiffe_id,
                                              const std::vector<std::string>& audience,
                                              int ttl_seconds) = 0;
};

}  // namespace dstart::server::ca

#endif  // DSTART_SERVER_CA_MANAGER_H_
