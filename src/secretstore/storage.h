// Physical storage: a SQLite file of (key, value) rows. Values are opaque bytes; the barrier
// (barrier.h) encrypts everything but the seal configuration before it gets here.
//
// Durability: WAL journal with synchronous=FULL, so Put/Delete/Commit return only after the
// change is on disk. Thread-safe (one connection behind a mutex).
#ifndef DSTART_SECRETSTORE_STORAGE_H_
#define DSTART_SECRETSTORE_STORAGE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

struct sqlite3;

namespace dstart::secretstore {

using Bytes = std::vector<uint8_t>;

class Storage {
 public:
  // Opens (creating if needed) the database at `path`.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& path);
  ~Storage();

  // nullopt when `key` is absent.
  absl::StatusOr<std::optional<Bytes>> Get(std::string_view key);
  absl::Status Put(std::string_view key, std::span<const uint8_t> value);
  absl::Status Delete(std::string_view key);
  // Keys starting with `prefix`, sorted.
  absl::StatusOr<std::vector<std::string>> List(std::string_view prefix);

  // Several writes in one transaction: all or none reach the disk.
  struct Write {
    std::string key;
    std::optional<Bytes> value;  // nullopt deletes.
  };
  absl::Status Commit(const std::vector<Write>& writes);

  const std::string& path() const { return path_; }

 private:
  Storage(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  absl::Status Exec(const char* sql);
  absl::Status PutLocked(std::string_view key, std::span<const uint8_t> value);
  absl::Status DeleteLocked(std::string_view key);

  std::mutex mu_;
  sqlite3* db_;
  std::string path_;
};

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_STORAGE_H_
