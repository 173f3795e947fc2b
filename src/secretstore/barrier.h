// The barrier: everything stored behind it is AES-256-GCM encrypted under a data key that exists
// only in memory while the store is unsealed. The data key is kept on disk encrypted under the
// master key ("keyring"); the master key is never stored: it is split with Shamir into the
// unseal shares handed out by Initialize and rebuilt from `threshold` of them by Unseal.
//
// Each value's storage key is its AEAD associated data, so a ciphertext moved to another key
// does not decrypt. Thread-safe.
#ifndef DSTART_SECRETSTORE_BARRIER_H_
#define DSTART_SECRETSTORE_BARRIER_H_

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "secretstore/storage.h"

namespace dstart::secretstore {

struct SealConfig {
  int shares = 0;
  int threshold = 0;
};

struct UnsealProgress {
  bool sealed = true;
  int progress = 0;  // Distinct shares submitted towards the threshold.
};

class Barrier {
 public:
  explicit Barrier(Storage* storage) : storage_(storage) {}

  // The seal configuration, nullopt before Initialize.
  absl::StatusOr<std::optional<SealConfig>> Config();
  // Creates master and data keys and returns the master key's shares (a single share is the
  // master key itself). FailedPrecondition when already initialized. Leaves the barrier sealed.
  absl::StatusOr<std::vector<Bytes>> Initialize(SealConfig config);

  // Adds one share. When the threshold is reached the master key is rebuilt and checked against
  // the keyring; a wrong key resets the progress and returns InvalidArgument.
  absl::StatusOr<UnsealProgress> Unseal(std::span<const uint8_t> share);
  void ResetUnseal();
  // OK when `shares` rebuild the master key (checked against the keyring); changes no state.
  // Used by root-token generation.
  absl::Status CheckShares(const std::vector<Bytes>& shares);
  UnsealProgress Progress();
  void Seal();
  bool sealed();

  // Encrypted access. FailedPrecondition while sealed.
  absl::StatusOr<std::optional<Bytes>> Get(std::string_view key);
  absl::Status Put(std::string_view key, std::span<const uint8_t> plaintext);
  absl::Status Delete(std::string_view key);
  absl::StatusOr<std::vector<std::string>> List(std::string_view prefix);
  struct Write {
    std::string key;
    std::optional<Bytes> value;  // Plaintext; nullopt deletes.
  };
  absl::Status Commit(const std::vector<Write>& writes);

 private:
  absl::StatusOr<Bytes> Seal(std::string_view key, std::span<const uint8_t> plaintext);

  Storage* storage_;
  std::shared_mutex mu_;
  std::optional<Bytes> data_key_;
  std::vector<Bytes> pending_shares_;
};

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_BARRIER_H_
