// The `docker` workload attestor (spec/spire.md §4.3): the caller's container from its cgroups,
// then the container's labels, environment and image from the Docker Engine API.
//
//   docker:label:<key>:<value>        each Config.Labels entry
//   docker:env:<NAME>=<value>         each Config.Env entry
//   docker:image_id:<Config.Image>    the image name as given (name:tag), not its digest
//   docker:image_config_digest:<Id>   the image's id (sha256:...), when the image inspect works
//
// A process outside any container gets no selectors (not an error).
#ifndef DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ATTESTOR_H_
#define DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ATTESTOR_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/workloadattestor/docker/docker_engine.h"
#include "agent/workloadattestor/process_info.h"
#include "agent/workloadattestor/workload_attestor.h"

namespace dstart::common::hcl {
class Object;
}

namespace dstart::agent::workloadattestor {

struct DockerAttestorConfig {
  std::string docker_socket_path = "unix:///var/run/docker.sock";
  std::string docker_version;  // Engine API version pin; empty: unversioned paths.
  // Waits between the attempts of ContainerInspect (SPIRE: 3 retries, 100/200/400 ms).
  std::vector<std::chrono::milliseconds> inspect_retry_backoff = {
      std::chrono::milliseconds(100), std::chrono::milliseconds(200),
      std::chrono::milliseconds(400)};

  // The plugin_data of `WorkloadAttestor "docker" { ... }`. SPIRE's keys are accepted;
  // container_id_cgroup_matchers (the legacy locator) and use_new_container_locator = false are
  // refused as not supported; unknown keys are refused.
  static absl::StatusOr<DockerAttestorConfig> FromHcl(const common::hcl::Object& data);
};

// The selector values (without the "docker" type) for a container inspect answer and, when
// available, the image inspect answer. Errors name the JSON member that is malformed.
absl::StatusOr<std::vector<spiffe::Selector>> SelectorsFromInspect(
    std::string_view container_json, std::optional<std::string_view> image_json);

class DockerAttestor final : public WorkloadAttestor {
 public:
  // `process` must outlive the attestor.
  DockerAttestor(DockerAttestorConfig config, const ProcessInfo& process,
                 std::shared_ptr<const DockerEngine> engine);
  // With a DockerEngineClient on config.docker_socket_path.
  DockerAttestor(DockerAttestorConfig config, const ProcessInfo& process);
  std::string_view name() const override { return "docker"; }
  absl::StatusOr<std::vector<spiffe::Selector>> Attest(int pid) const override;

 private:
  DockerAttestorConfig config_;
  const ProcessInfo& process_;
  std::shared_ptr<const DockerEngine> engine_;
};

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ATTESTOR_H_
