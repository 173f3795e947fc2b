// The KeyManager plugin kind (spec/spire.md §6.2): where the CA's private keys live. "disk"
// keeps them in one JSON file {"keys":{"<id>":"<base64 PKCS#8 DER>"}} written atomically with
// mode 0600; "memory" forgets them on restart.
#ifndef DSTART_SERVER_CA_KEY_MANAGER_H_
#define DSTART_SERVER_CA_KEY_MANAGER_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/keys.h"

namespace dstart::server::ca {

class KeyManager {
 public:
  // keys_path empty: the memory key manager. Otherwise loads the file if it exists; an
  // unreadable or malformed file is an error naming keys_path.
  static absl::StatusOr<std::unique_ptr<KeyManager>> Open(const std::string& keys_path);

  // Generates a key of `type` under `id` (replacing any) and persists it before returning.
  absl::StatusOr<crypto::PrivateKey> Generate(const std::string& id, crypto::KeyType type);
  std::optional<crypto::PrivateKey> Get(const std::string& id) const;
  // Keeps only the keys whose id is in `ids`.
  absl::Status Retain(const std::vector<std::string>& ids);

 private:
  explicit KeyManager(std::string path) : path_(std::move(path)) {}
  absl::Status Save() const;
  std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, crypto::PrivateKey> keys_;
};

}  // namespace dstart::server::ca

#endif  // DSTART_SERVER_CA_KEY_MANAGER_H_
