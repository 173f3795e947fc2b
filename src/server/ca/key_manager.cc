#include "server/ca/key_manager.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "common/file.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace dstart::server::ca {

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::Open(const std::string& keys_path) {
  std::unique_ptr<KeyManager> km(new KeyManager(keys_path));
  if (keys_path.empty()) return km;
  std::ifstream in(keys_path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return km;  // first start
    return absl::PermissionDeniedError(fmt::format(
        "KeyManager \"disk\" keys_path \"{}\": cannot read: {}", keys_path, std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(fmt::format("KeyManager \"disk\" keys_path \"{}\": cannot read: {}",
                                           keys_path, std::strerror(errno)));
  }
  auto bad = [&](const std::string& why) {
    return absl::DataLossError(
        fmt::format("KeyManager \"disk\" keys_path \"{}\": {}", keys_path, why));
  };
  nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_object()) {
    return bad("not a key file: expected {\"keys\":{...}}");
  }
  for (const auto& [id, value] : doc["keys"].items()) {
    if (!value.is_string()) return bad(fmt::format("key \"{}\" is not a base64 string", id));
    auto der = common::Base64Decode(value.get<std::string>());
    if (!der.ok()) return bad(fmt::format("key \"{}\" is not valid base64", id));
    auto key = crypto::PrivateKey::FromDer(*der);
    if (!key.ok()) {
      return bad(fmt::format("key \"{}\": {}", id, std::string(key.status().message())));
    }
    km->keys_.emplace(id, std::move(*key));
  }
  return km;
}

absl::Status KeyManager::Save() const {
  if (path_.empty()) return absl::OkStatus();
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [id, key] : keys_) keys[id] = common::Base64Encode(key.ToPkcs8Der());
  std::string text = nlohmann::json{{"keys", keys}}.dump();
  absl::Status st = common::AtomicWriteFile(path_, text, 0600);
  if (!st.ok()) {
    return absl::Status(st.code(), fmt::format("KeyManager \"disk\" keys_path \"{}\": {}", path_,
                                               std::string(st.message())));
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::PrivateKey> KeyManager::Generate(const std::string& id,
                                                        crypto::KeyType type) {
  auto key = crypto::PrivateKey::Generate(type);
  if (!key.ok()) return key.status();
  std::lock_guard lock(mu_);
  keys_.insert_or_assign(id, *key);
  if (absl::Status st = Save(); !st.ok()) return st;
  return *key;
}

std::optional<crypto::PrivateKey> KeyManager::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

absl::Status KeyManager::Retain(const std::vector<std::string>& ids) {
  std::lock_guard lock(mu_);
  bool changed = false;
  for (auto it = keys_.begin(); it != keys_.end();) {
    if (std::find(ids.begin(), ids.end(), it->first) == ids.end()) {
      it = keys_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  return changed ? Save() : absl::OkStatus();
}

}  // namespace dstart::server::ca
