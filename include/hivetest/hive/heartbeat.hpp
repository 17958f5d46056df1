// Validation of heartbeat payloads in both shapes rbee workers send (docs/PROFILES.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hivetest::hive {

struct Heartbeat {
  std::string worker_id;
  std::string timestamp;       // as sent, "" when absent
  std::string health_status;   // flat shape's health_status or nested worker.status, "" when absent
  std::string model_id;        // nested shape only
  std::optional<long long> port;  // nested shape only
  bool nested = false;
};

struct HeartbeatParse {
  std::optional<Heartbeat> heartbeat;  // set when valid
  std::string error;                   // the reason for a 400, when not valid
};

// Flat: {"worker_id":"…","timestamp":"…","health_status":"healthy|degraded"}
// Nested: {"worker":{"id":"…","model_id":…,"port":…,"status":…},"timestamp":…}
// Invalid: not JSON, not an object, or no non-empty string worker id.
HeartbeatParse parse_heartbeat(std::string_view body);

// True for the heartbeat paths of every worker version.
bool is_heartbeat_path(std::string_view path);

}  // namespace hivetest::hive
