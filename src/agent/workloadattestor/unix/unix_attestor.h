// The `unix` workload attestor (spec/spire.md §4.2): selectors from the caller's ids and, with
// discover_workload_path, its executable's path and SHA-256.
//
//   unix:uid:<effective uid>            unix:user:<name>   (only when the agent can resolve it)
//   unix:gid:<effective gid>            unix:group:<name>  (likewise)
//   unix:supplementary_gid:<gid>        unix:supplementary_group:<name>   (from Groups:)
//   unix:path:<readlink /proc/pid/exe>  unix:sha256:<lowercase hex>       (discover_workload_path)
//
// Unlike SPIRE, the hash is cached by file identity (device, inode, size, mtime, ctime), so an
// unchanged binary is hashed once instead of on every call.
#ifndef DSTART_AGENT_WORKLOADATTESTOR_UNIX_UNIX_ATTESTOR_H_
#define DSTART_AGENT_WORKLOADATTESTOR_UNIX_UNIX_ATTESTOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/workloadattestor/process_info.h"
#include "agent/workloadattestor/workload_attestor.h"

namespace dstart::common::hcl {
class Object;
}

namespace dstart::agent::workloadattestor {

struct UnixAttestorConfig {
  bool discover_workload_path = false;
  // Largest executable hashed, in bytes: 0 means no limit; negative means never hash (path only).
  // A larger file makes the attestation fail, as in SPIRE.
  int64_t workload_size_limit = 0;

  // The plugin_data of `WorkloadAttestor "unix" { ... }`; unknown keys are refused.
  static absl::StatusOr<UnixAttestorConfig> FromHcl(const common::hcl::Object& data);
};

class UnixAttestor final : public WorkloadAttestor {
 public:
  // `process` must outlive the attestor.
  UnixAttestor(UnixAttestorConfig config, const ProcessInfo& process);
  std::string_view name() const override { return "unix"; }
  absl::StatusOr<std::vector<spiffe::Selector>> Attest(int pid) const override;

  // How many times a file was actually read and hashed (for tests and benchmarks).
  uint64_t hashes_computed() const;

 private:
  absl::StatusOr<std::string> HashExecutable(int pid) const;

  UnixAttestorConfig config_;
  const ProcessInfo& process_;
  mutable std::mutex mu_;
  mutable std::map<FileIdentity, std::string> hash_cache_;
  mutable uint64_t hashes_computed_ = 0;
};

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_UNIX_UNIX_ATTESTOR_H_
