// Finding the container of a process from /proc/<pid>/cgroup (spec/spire.md §4.3, SPIRE's "new
// container locator"): cgroup v1 and v2 lines, cgroupfs, systemd (docker-<id>.scope,
// cri-containerd-<id>.scope, crio-<id>.scope), containerd and kind/kubepods layouts.
#ifndef DSTART_AGENT_WORKLOADATTESTOR_DOCKER_CONTAINER_ID_H_
#define DSTART_AGENT_WORKLOADATTESTOR_DOCKER_CONTAINER_ID_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace dstart::agent::workloadattestor {

// For each line "hierarchy-id:controllers:path", walks the path's segments from the last one and
// takes the first token of exactly 64 lowercase hex digits bounded by non-word characters. All
// lines must agree: different ids are FailedPrecondition "multiple container IDs found" (naming
// both). nullopt when no line names a container (the process is not containerised). A line
// without two ':' is InvalidArgument naming the line number.
absl::StatusOr<std::optional<std::string>> ContainerIdFromCgroup(std::string_view cgroup_text);

}  // namespace dstart::agent::workloadattestor

#endif  // DSTART_AGENT_WORKLOADATTESTOR_DOCKER_CONTAINER_ID_H_
