// What a kind of worker is: how it is started, where it answers, what it must say.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hivetest::profile {

// What hivetest knows about one worker when it starts it.
struct WorkerParams {
  std::string worker_id;
  std::string model_path;
  std::string model_ref;
  std::string backend;
  int device = 0;
  uint16_t port = 0;
  std::string hive_url;
};

struct Profile {
  std::string name;
  std::string health_path;
  std::string ready_path;           // "" when the kind has no readiness endpoint
  std::string progress_path;        // "" when it has no loading progress stream
  std::string inference_path;
  bool sends_heartbeats = true;
  // The arguments appended to the worker command.
  std::vector<std::string> (*arguments)(const WorkerParams&) = nullptr;
};

// The profile called `name`, or nullptr.
const Profile* find_profile(const std::string& name);
std::vector<std::string> profile_names();

}  // namespace hivetest::profile
