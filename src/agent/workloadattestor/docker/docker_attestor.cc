#include "agent/workloadattestor/docker/docker_attestor.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "agent/workloadattestor/docker/container_id.h"
#include "common/hcl.h"
#include "fmt/format.h"

namespace dstart::agent::workloadattestor {
namespace {

spiffe::Selector Docker(std::string value) {
  return spiffe::Selector{"docker", std::move(value)};
}

}  // namespace

absl::StatusOr<DockerAttestorConfig> DockerAttestorConfig::FromHcl(
    const common::hcl::Object& data) {
  DockerAttestorConfig config;
  if (auto s = data.CheckKnownKeys(
          {"docker_socket_path", "docker_version", "use_new_container_locator",
           "container_id_cgroup_matchers", "verbose_container_locator_logs",
           "podman_socket_path", "podman_socket_path_template", "experimental"},
          "WorkloadAttestor \"docker\"");
      !s.ok()) {
    return s;
  }
  if (auto s = data.GetString("docker_socket_path", &config.docker_socket_path); !s.ok()) return s;
  if (auto s = data.GetString("docker_version", &config.docker_version); !s.ok()) return s;
  bool new_locator = true;
  if (auto s = data.GetBool("use_new_container_locator", &new_locator); !s.ok()) return s;
  if (!new_locator || data.Has("container_id_cgroup_matchers")) {
    return absl::InvalidArgumentError(
        "WorkloadAttestor \"docker\": the legacy container locator "
        "(use_new_container_locator = false, container_id_cgroup_matchers) is not supported");
  }
  return config;
}

absl::StatusOr<std::vector<spiffe::Selector>> SelectorsFromInspect(
    std::string_view container_json, std::optional<std::string_view> image_json) {
  auto doc = nlohmann::json::parse(container_json, nullptr, false);
  if (!doc.is_object()) {
    return absl::InvalidArgumentError("docker: container inspect answer is not a JSON object");
  }
  std::vector<spiffe::Selector> out;
  auto cfg = doc.find("Config");
  if (cfg == doc.end() || cfg->is_null()) return out;
  if (!cfg->is_object()) {
    return absl::InvalidArgumentError("docker: container inspect: Config is not an object");
  }
  if (auto labels = cfg->find("Labels"); labels != cfg->end() && !labels->is_null()) {
    if (!labels->is_object()) {
      return absl::InvalidArgumentError("docker: container inspect: Config.Labels is not an object");
    }
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (!it->is_string()) {
        return absl::InvalidArgumentError(fmt::format(
            "docker: container inspect: Config.Labels[\"{}\"] is not a string", it.key()));
      }
      out.push_back(Docker(fmt::format("label:{}:{}", it.key(), it->get<std::string>())));
    }
  }
  if (auto env = cfg->find("Env"); env != cfg->end() && !env->is_null()) {
    if (!env->is_array()) {
      return absl::InvalidArgumentError("docker: container inspect: Config.Env is not an array");
    }
    for (size_t i = 0; i < env->size(); ++i) {
      if (!(*env)[i].is_string()) {
        return absl::InvalidArgumentError(
            fmt::format("docker: container inspect: Config.Env[{}] is not a string", i));
      }
      out.push_back(Docker("env:" + (*env)[i].get<std::string>()));
    }
  }
  if (auto image = cfg->find("Image"); image != cfg->end() && !image->is_null()) {
    if (!image->is_string()) {
      return absl::InvalidArgumentError("docker: container inspect: Config.Image is not a string");
    }
    if (!image->get<std::string>().empty()) {
      out.push_back(Docker("image_id:" + image->get<std::string>()));
    }
  }
  if (image_json) {
    auto img = nlohmann::json::parse(*image_json, nullptr, false);
    if (!img.is_object()) {
      return absl::InvalidArgumentError("docker: image inspect answer is not a JSON object");
    }
    if (auto id = img.find("Id"); id != img.end()) {
      if (!id->is_string()) {
        return absl::InvalidArgumentError("docker: image inspect: Id is not a string");
      }
      if (!id->get<std::string>().empty()) {
        out.push_back(Docker("image_config_digest:" + id->get<std::string>()));
      }
    }
  }
  return out;
}

DockerAttestor::DockerAttestor(DockerAttestorConfig config, const ProcessInfo& process,
                               std::shared_ptr<const DockerEngine> engine)
    : config_(std::move(config)), process_(process), engine_(std::move(engine)) {}

DockerAttestor::DockerAttestor(DockerAttestorConfig config, const ProcessInfo& process)
    : config_(std::move(config)),
      process_(process),
      engine_(std::make_shared<DockerEngineClient>(config_.docker_socket_path,
                                                   config_.docker_version)) {}

absl::StatusOr<std::vector<spiffe::Selector>> DockerAttestor::Attest(int pid) const {
  auto cgroup = process_.Cgroup(pid);
  if (!cgroup.ok()) {
    return absl::Status(cgroup.status().code(), fmt::format("docker: pid {}: {}", pid,
                                                            std::string(cgroup.status().message())));
  }
  auto id = ContainerIdFromCgroup(*cgroup);
  if (!id.ok()) {
    return absl::Status(id.status().code(),
                        fmt::format("docker: pid {}: {}", pid, std::string(id.status().message())));
  }
  if (!id->has_value()) return std::vector<spiffe::Selector>{};

  absl::StatusOr<std::string> container = engine_->InspectContainer(**id);
  for (size_t attempt = 0; !container.ok() && attempt < config_.inspect_retry_backoff.size();
       ++attempt) {
    std::this_thread::sleep_for(config_.inspect_retry_backoff[attempt]);
    container = engine_->InspectContainer(**id);
  }
  if (!container.ok()) return container.status();

  std::optional<std::string> image_json;
  auto doc = nlohmann::json::parse(*container, nullptr, false);
  if (doc.is_object() && doc.contains("Config") && doc["Config"].is_object() &&
      doc["Config"].contains("Image") && doc["Config"]["Image"].is_string()) {
    // The image inspect is best effort, as in SPIRE: its failure costs only image_config_digest.
    auto image = engine_->InspectImage(doc["Config"]["Image"].get<std::string>());
    if (image.ok()) image_json = std::move(*image);
  }
  return SelectorsFromInspect(*container, image_json);
}

}  // namespace dstart::agent::workloadattestor
