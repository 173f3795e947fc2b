// The server CA: creates the Manager of manager.h from configuration.
//
// X.509: a signing CA with ca_key_type and ca_ttl, issued by UpstreamAuthority "disk" (its
// certificate is then the bundle root and SVID chains carry the intermediate) or self-signed
// (the CA certificate is the root; SVID chains are the leaf alone) — spec/spire.md §6.2.
// Rotation (X.509 CA and JWT key alike): the next authority is prepared at half its
// predecessor's life and added to the bundle; it becomes active with a sixth of the life left.
// Keys live in the KeyManager; the authorities' certificates and states in the datastore's CA
// journal, so a restart resumes the same CA. The bundle is stored in the datastore and its
// sequence number grows on every change.
#ifndef DSTART_SERVER_CA_CA_H_
#define DSTART_SERVER_CA_CA_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/ca/manager.h"

namespace dstart::common {
class Logger;
}
namespace dstart::server::datastore {
class DataStore;
}

namespace dstart::server::ca {

struct CaOptions {
  std::string trust_domain;  // "example.org"
  std::string ca_key_type = "ec-p256";
  std::string jwt_key_type;  // empty: ca_key_type
  int64_t ca_ttl = 86400;    // seconds
  int64_t default_x509_svid_ttl = 3600;
  int64_t default_jwt_svid_ttl = 300;
  std::vector<std::string> subject_country = {"US"};
  std::vector<std::string> subject_organization = {"SPIFFE"};
  std::string subject_common_name;
  std::string jwt_issuer;
  std::string keys_path;  // empty: keys in memory only
  std::string upstream_cert_file;  // empty: self-signed
  std::string upstream_key_file;
  std::string upstream_bundle_file;
  datastore::DataStore* datastore = nullptr;  // required, must outlive the CA
  const common::Logger* logger = nullptr;     // required, must outlive the CA
  // Seconds since the epoch; tests move time forward. Null: the real clock.
  std::function<int64_t()> now;
};

class Ca : public Manager {
 public:
  // Loads or creates the authorities. Errors name the file or field that is wrong.
  static absl::StatusOr<std::unique_ptr<Ca>> Start(CaOptions options);
  // Prepares and activates authorities as their lifetimes require; the server calls this every
  // 10 seconds.
  virtual absl::Status Rotate() = 0;
};

}  // namespace dstart::server::ca

#endif  // DSTART_SERVER_CA_CA_H_
