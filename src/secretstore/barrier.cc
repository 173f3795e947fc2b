#include "secretstore/barrier.h"

#include <mutex>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "secretstore/shamir.h"

namespace dstart::secretstore {

namespace {
constexpr std::string_view kSealConfigKey = "core/seal-config";
constexpr std::string_view kKeyringKey = "core/keyring";
constexpr std::string_view kBarrierPrefix = "b/";  // Every encrypted entry lives under it.

std::string Physical(std::string_view key) { return std::string(kBarrierPrefix) + std::string(key); }

absl::Status Random(std::span<uint8_t> out) {
  Bytes r = crypto::RandomBytes(out.size());
  std::copy(r.begin(), r.end(), out.begin());
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::optional<SealConfig>> Barrier::Config() {
  auto raw = storage_->Get(kSealConfigKey);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<SealConfig>();
  auto j = nlohmann::json::parse(common::AsChars(**raw), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError("storage: seal configuration is corrupt");
  }
  SealConfig c;
  c.shares = j.value("secret_shares", 0);
  c.threshold = j.value("secret_threshold", 0);
  return std::optional<SealConfig>(c);
}

absl::StatusOr<std::vector<Bytes>> Barrier::Initialize(SealConfig config) {
  std::unique_lock lock(mu_);
  auto existing = storage_->Get(kSealConfigKey);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) return absl::FailedPreconditionError("Vault is already initialized");
  if (config.shares < 1 || config.shares > 255) {
    return absl::InvalidArgumentError("invalid seal configuration: secret shares must be 1 to 255");
  }
  if (config.threshold < 1 || config.threshold > config.shares) {
    return absl::InvalidArgumentError(
        "invalid seal configuration: threshold must be at least 1 and at most the number of shares");
  }
  if (config.shares > 1 && config.threshold == 1) {
    return absl::InvalidArgumentError(
        "invalid seal configuration: threshold must be greater than one for multiple shares");
  }
  if (config.shares == 1 && config.threshold != 1) {
    return absl::InvalidArgumentError("invalid seal configuration: threshold must be one for one share");
  }
  Bytes master = crypto::RandomBytes(32);
  Bytes data_key = crypto::RandomBytes(32);
  auto keyring = crypto::Aes256GcmSeal(master, data_key, common::AsBytes(kKeyringKey));
  if (!keyring.ok()) return keyring.status();
  std::vector<Bytes> shares;
  if (config.shares == 1) {
    shares.push_back(master);
  } else {
    auto split = shamir::Split(master, config.shares, config.threshold, Random);
    if (!split.ok()) return split.status();
    shares = std::move(*split);
  }
  nlohmann::json cfg = {{"secret_shares", config.shares}, {"secret_threshold", config.threshold}};
  std::string cfg_text = cfg.dump();
  std::vector<Storage::Write> writes = {
      {std::string(kKeyringKey), *keyring},
      {std::string(kSealConfigKey), Bytes(cfg_text.begin(), cfg_text.end())},
  };
  std::fill(master.begin(), master.end(), 0);
  std::fill(data_key.begin(), data_key.end(), 0);
  if (absl::Status s = storage_->Commit(writes); !s.ok()) return s;
  return shares;
}

absl::StatusOr<UnsealProgress> Barrier::Unseal(std::span<const uint8_t> share) {
  auto config = Config();
  if (!config.ok()) return config.status();
  if (!config->has_value()) return absl::FailedPreconditionError("Vault is not initialized");
  std::unique_lock lock(mu_);
  if (data_key_) return UnsealProgress{false, 0};
  const SealConfig& c = **config;
  size_t expected = c.shares == 1 ? 32 : 33;
  if (share.size() != expected) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid key: unseal keys are {} bytes, got {}", expected, share.size()));
  }
  Bytes s(share.begin(), share.end());
  for (const Bytes& p : pending_shares_) {
    if (p == s) return UnsealProgress{true, static_cast<int>(pending_shares_.size())};
  }
  pending_shares_.push_back(std::move(s));
  if (static_cast<int>(pending_shares_.size()) < c.threshold) {
    return UnsealProgress{true, static_cast<int>(pending_shares_.size())};
  }
  Bytes master;
  if (c.shares == 1) {
    master = pending_shares_[0];
  } else {
    auto combined = shamir::Combine(pending_shares_);
    if (!combined.ok()) {
      pending_shares_.clear();
      return absl::InvalidArgumentError(
          fmt::format("failed to combine unseal keys: {}", std::string(combined.status().message())));
    }
    master = std::move(*combined);
  }
  pending_shares_.clear();
  auto keyring = storage_->Get(kKeyringKey);
  if (!keyring.ok()) return keyring.status();
  if (!keyring->has_value()) return absl::DataLossError("storage: keyring is missing");
  auto data_key = crypto::Aes256GcmOpen(master, **keyring, common::AsBytes(kKeyringKey));
  std::fill(master.begin(), master.end(), 0);
  if (!data_key.ok()) {
    return absl::InvalidArgumentError("Error unsealing: invalid key: the unseal keys do not match");
  }
  data_key_ = std::move(*data_key);
  return UnsealProgress{false, 0};
}

absl::Status Barrier::CheckShares(const std::vector<Bytes>& shares) {
  auto config = Config();
  if (!config.ok()) return config.status();
  if (!config->has_value()) return absl::FailedPreconditionError("Vault is not initialized");
  Bytes master;
  if ((*config)->shares == 1) {
    if (shares.size() != 1) return absl::InvalidArgumentError("expected one key");
    master = shares[0];
  } else {
    auto combined = shamir::Combine(shares);
    if (!combined.ok()) return absl::InvalidArgumentError(std::string(combined.status().message()));
    master = std::move(*combined);
  }
  auto keyring = storage_->Get(kKeyringKey);
  if (!keyring.ok()) return keyring.status();
  if (!keyring->has_value()) return absl::DataLossError("storage: keyring is missing");
  auto data_key = crypto::Aes256GcmOpen(master, **keyring, common::AsBytes(kKeyringKey));
  std::fill(master.begin(), master.end(), 0);
  if (!data_key.ok()) return absl::InvalidArgumentError("invalid key: the keys do not rebuild the master key");
  std::fill(data_key->begin(), data_key->end(), 0);
  return absl::OkStatus();
}

void Barrier::ResetUnseal() {
  std::unique_lock lock(mu_);
  pending_shares_.clear();
}

UnsealProgress Barrier::Progress() {
  std::shared_lock lock(mu_);
  return UnsealProgress{!data_key_.has_value(), static_cast<int>(pending_shares_.size())};
}

void Barrier::Seal() {
  std::unique_lock lock(mu_);
  if (data_key_) std::fill(data_key_->begin(), data_key_->end(), 0);
  data_key_.reset();
  pending_shares_.clear();
}

bool Barrier::sealed() {
  std::shared_lock lock(mu_);
  return !data_key_.has_value();
}

absl::StatusOr<Bytes> Barrier::Seal(std::string_view key, std::span<const uint8_t> plaintext) {
  std::shared_lock lock(mu_);
  if (!data_key_) return absl::FailedPreconditionError("Vault is sealed");
  return crypto::Aes256GcmSeal(*data_key_, plaintext, common::AsBytes(key));
}

absl::StatusOr<std::optional<Bytes>> Barrier::Get(std::string_view key) {
  auto raw = storage_->Get(Physical(key));
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<Bytes>();
  std::shared_lock lock(mu_);
  if (!data_key_) return absl::FailedPreconditionError("Vault is sealed");
  auto plain = crypto::Aes256GcmOpen(*data_key_, **raw, common::AsBytes(key));
  if (!plain.ok()) {
    return absl::DataLossError(fmt::format("storage: entry {} fails authentication", key));
  }
  return std::optional<Bytes>(std::move(*plain));
}

absl::Status Barrier::Put(std::string_view key, std::span<const uint8_t> plaintext) {
  auto sealed_value = Seal(key, plaintext);
  if (!sealed_value.ok()) return sealed_value.status();
  return storage_->Put(Physical(key), *sealed_value);
}

absl::Status Barrier::Delete(std::string_view key) {
  if (sealed()) return absl::FailedPreconditionError("Vault is sealed");
  return storage_->Delete(Physical(key));
}

absl::StatusOr<std::vector<std::string>> Barrier::List(std::string_view prefix) {
  if (sealed()) return absl::FailedPreconditionError("Vault is sealed");
  auto keys = storage_->List(Physical(prefix));
  if (!keys.ok()) return keys.status();
  for (std::string& k : *keys) k.erase(0, kBarrierPrefix.size());
  return keys;
}

absl::Status Barrier::Commit(const std::vector<Write>& writes) {
  std::vector<Storage::Write> physical;
  physical.reserve(writes.size());
  for (const Write& w : writes) {
    if (!w.value) {
      physical.push_back({Physical(w.key), std::nullopt});
      continue;
    }
    auto sealed_value = Seal(w.key, *w.value);
    if (!sealed_value.ok()) return sealed_value.status();
    physical.push_back({Physical(w.key), std::move(*sealed_value)});
  }
  return storage_->Commit(physical);
}

}  // namespace dstart::secretstore
