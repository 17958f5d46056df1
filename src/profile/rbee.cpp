// The `rbee` profile: the llm-worker-rbee protocol of SPEC.md §2.
#include <string>

#include "hivetest/profile/profile.hpp"

namespace hivetest::profile {

namespace {

std::vector<std::string> rbee_arguments(const WorkerParams& p) {
  return {"--worker-id", p.worker_id,
          "--model",     p.model_path,
          "--model-ref", p.model_ref,
          "--backend",   p.backend,
          "--device",    std::to_string(p.device),
          "--port",      std::to_string(p.port),
          "--hive-url",  p.hive_url,
          "--local-mode"};
}

const Profile rbee{
    .name = "rbee",
    .health_path = "/health",
    .ready_path = "/v1/ready",
    .progress_path = "/v1/loading/progress",
    .inference_path = "/v1/inference",
    .sends_heartbeats = true,
    .arguments = rbee_arguments,
};

}  // namespace

const Profile* find_profile(const std::string& name) {
  if (name == rbee.name) return &rbee;
  return nullptr;
}

std::vector<std::string> profile_names() { return {rbee.name}; }

}  // namespace hivetest::profile
