// The two Docker Engine API calls the docker attestor makes (spec/spire.md §4.3), over the
// engine's Unix socket with HTTP/1.1: GET /containers/<id>/json and GET /images/<name>/json.
#ifndef DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ENGINE_H_
#define DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ENGINE_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dstart::agent::workloadattestor {

// Thread-safety: both calls may be made from many threads at once.
class DockerEngine {
 public:
  virtual ~DockerEngine() = default;
  // The JSON body of a 200 answer. NotFound for 404 (with the engine's "message"); Unavailable when
  // the socket cannot be reached or the answer is cut short; Internal for other statuses.
  virtual absl::StatusOr<std::string> InspectContainer(std::string_view id) const = 0;
  virtual absl::StatusOr<std::string> InspectImage(std::string_view name) const = 0;
};

// Talks to a real engine. `socket` is "unix:///var/run/docker.sock" or a plain path; `api_version`
// ("1.41", optional) prefixes the paths with /v1.41 as the Moby client does when pinned.
class DockerEngineClient final : public DockerEngine {
 public:
  DockerEngineClient(std::string socket, std::string api_version,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
  absl::StatusOr<std::string> InspectContainer(std::string_view id) const override;
  absl::StatusOr<std::string> InspectImage(std::string_view name) const override;

  // One GET on the socket: the status code and the body.
  absl::StatusOr<std::pair<int, std::string>> Get(const std::string& target) const;

 private:
  absl::StatusOr<std::string> Inspect(const std::string& target, std::string_view what) const;
  std::string socket_path_;
  std::string version_prefix_;
  std::chrono::milliseconds timeout_;
};

// Escapes a path segment of the Engine API (image names hold '/' and ':', which stay as they are
// for the image route; everything outside [A-Za-z0-9._~:/@-] is percent-encoded).
std::string EscapeEnginePath(std::string_view segment);

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_DOCKER_DOCKER_ENGINE_H_
