// The reference worker's command line: the rbee worker's options plus knobs for testing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fault.hpp"

namespace reference_worker {

enum class InferenceApi { v1, v2 };       // v1 streams from POST; v2 answers with an sse_url
enum class HeartbeatShape { flat, nested };

struct Options {
  // What hivetest's rbee profile passes.
  std::string worker_id;
  std::string model_path;
  std::string model_ref;  // "file:<model file name>" when not given
  std::string backend = "cpu";
  int device = 0;
  uint16_t port = 0;
  std::string hive_url;
  bool local_mode = false;

  // Behaviour of this worker, so that tests can make it slow, old-fashioned or strict.
  int load_ms = 0;
  InferenceApi inference_api = InferenceApi::v2;
  int heartbeat_interval_ms = 30'000;
  HeartbeatShape heartbeat_shape = HeartbeatShape::flat;
  std::string heartbeat_path = "/v1/heartbeat";
  std::string api_token = "test-token";
  int token_delay_ms = -1;  // unset: then 0, or the slow-tokens fault's delay
  Faults faults;
};

// Fills `out`, or returns the exit code to leave with: 0 after --help, 2 for bad options
// (the message is already on stderr).
std::optional<int> parse_options(int argc, char** argv, Options& out);

}  // namespace reference_worker
