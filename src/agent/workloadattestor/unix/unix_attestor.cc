#include "agent/workloadattestor/unix/unix_attestor.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "common/encoding.h"
#include "common/hcl.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {
namespace {

// Entries kept before the cache is emptied; binaries on a node are few.
constexpr size_t kHashCacheLimit = 1024;

spiffe::Selector Unix(std::string value) { return spiffe::Selector{"unix", std::move(value)}; }

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

absl::StatusOr<UnixAttestorConfig> UnixAttestorConfig::FromHcl(const common::hcl::Object& data) {
  UnixAttestorConfig config;
  if (auto s = data.CheckKnownKeys({"discover_workload_path", "workload_size_limit"},
                                   "WorkloadAttestor \"unix\"");
      !s.ok()) {
    return s;
  }
  if (auto s = data.GetBool("discover_workload_path", &config.discover_workload_path); !s.ok()) {
    return s;
  }
  if (auto s = data.GetInt("workload_size_limit", &config.workload_size_limit); !s.ok()) return s;
  return config;
}

UnixAttestor::UnixAttestor(UnixAttestorConfig config, const ProcessInfo& process)
    : config_(config), process_(process) {}

uint64_t UnixAttestor::hashes_computed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hashes_computed_;
}

absl::StatusOr<std::vector<spiffe::Selector>> UnixAttestor::Attest(int pid) const {
  auto status = process_.Status(pid);
  if (!status.ok()) {
    return absl::Status(status.status().code(),
                        fmt::format("unix: pid {}: {}", pid, std::string(status.status().message())));
  }
  std::vector<spiffe::Selector> out;
  uint32_t uid = status->EffectiveUid();
  uint32_t gid = status->EffectiveGid();
  out.push_back(Unix(fmt::format("uid:{}", uid)));
  if (auto user = process_.UserName(uid)) out.push_back(Unix("user:" + *user));
  out.push_back(Unix(fmt::format("gid:{}", gid)));
  if (auto group = process_.GroupName(gid)) out.push_back(Unix("group:" + *group));
  for (uint32_t g : status->groups) {
    out.push_back(Unix(fmt::format("supplementary_gid:{}", g)));
    if (auto group = process_.GroupName(g)) out.push_back(Unix("supplementary_group:" + *group));
  }
  if (config_.discover_workload_path) {
    auto path = process_.ExePath(pid);
    if (!path.ok()) {
      return absl::Status(path.status().code(),
                          fmt::format("unix: pid {}: {}", pid, std::string(path.status().message())));
    }
    out.push_back(Unix("path:" + *path));
    if (config_.workload_size_limit >= 0) {
      auto hash = HashExecutable(pid);
      if (!hash.ok()) return hash.status();
      out.push_back(Unix("sha256:" + *hash));
    }
  }
  return out;
}

absl::StatusOr<std::string> UnixAttestor::HashExecutable(int pid) const {
  auto fd = process_.OpenExe(pid);
  if (!fd.ok()) {
    return absl::Status(fd.status().code(),
                        fmt::format("unix: pid {}: {}", pid, std::string(fd.status().message())));
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) {
    return absl::InternalError(
        fmt::format("unix: pid {}: stat of the executable: {}", pid, std::strerror(errno)));
  }
  if (config_.workload_size_limit > 0 && st.st_size > config_.workload_size_limit) {
    return absl::FailedPreconditionError(fmt::format(
        "unix: pid {}: executable is {} bytes, larger than workload_size_limit {}", pid,
        static_cast<int64_t>(st.st_size), config_.workload_size_limit));
  }
  FileIdentity id{st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = hash_cache_.find(id);
    if (it != hash_cache_.end()) return it->second;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("unix: cannot start a SHA-256 digest");
  }
  std::vector<unsigned char> buf(1 << 16);
  int64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd->get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          fmt::format("unix: pid {}: reading the executable: {}", pid, std::strerror(errno)));
    }
    if (n == 0) break;
    total += n;
    if (config_.workload_size_limit > 0 && total > config_.workload_size_limit) {
      return absl::FailedPreconditionError(fmt::format(
          "unix: pid {}: executable grew past workload_size_limit {}", pid,
          config_.workload_size_limit));
    }
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &md_len);
  std::string hex = common::HexEncode(std::span<const uint8_t>(md, md_len));
  std::lock_guard<std::mutex> lock(mu_);
  ++hashes_computed_;
  if (hash_cache_.size() >= kHashCacheLimit) hash_cache_.clear();
  hash_cache_[id] = hex;
  return hex;
}

}  // namespace dstart::agent::workloadattestor
