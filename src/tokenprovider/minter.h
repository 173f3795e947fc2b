// Mints a secret-store token for one service key through the store's HTTP API (OpenBao
// compatible: the embedded store or a real OpenBao), using the provider's privileged token.
//
// kUserpass is EdgeX's user-manager sequence, spec/secretstore.md §5.1 steps 3a–3i. kTokenRole
// does 3a–3c, 3g, 3h and then POST auth/token/create/<key> with entity_alias (B28): the same
// policy, entity and OIDC role, without the bcrypt-hashed password. Both return the store's JSON
// response, whose auth.client_token is the token.
//
// Thread-safety: Mint and SeedKnownSecrets may run concurrently (each call opens its own
// connection).
#ifndef DSTART_TOKENPROVIDER_MINTER_H_
#define DSTART_TOKENPROVIDER_MINTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/log.h"
#include "tokenprovider/config.h"

namespace dstart::tokenprovider {

struct MintedToken {
  std::string client_token;
  std::string response_json;  // The store's whole login/create response.
};

// Known secrets (spec/edgex.md §8.2 item 4, plus postgres): name -> bootstrapper path.
// Returns "" for a name that is not known.
std::string KnownSecretSource(const std::string& name);

class Minter {
 public:
  Minter(Config config, common::Logger logger);

  // Installs policy edgex-service-<key> and the rest for `key`, returning a fresh token.
  // Errors name the step and the store's reply.
  absl::StatusOr<MintedToken> Mint(const std::string& privileged_token,
                                   const std::string& key) const;

  // Copies each known secret in `names` from its bootstrapper path to secret/edgex/<key>/<name>;
  // unknown names are logged (WARN) and skipped.
  absl::Status SeedKnownSecrets(const std::string& privileged_token, const std::string& key,
                                const std::vector<std::string>& names) const;

 private:
  Config config_;
  common::Logger logger_;
};

}  // namespace dstart::tokenprovider

#endif  // DSTART_TOKENPROVIDER_MINTER_H_
