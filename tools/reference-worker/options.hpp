// The reference worker's command line: each dialect's options plus knobs for testing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dialect.hpp"
#include "fault.hpp"

namespace reference_worker {

enum class HeartbeatShape { flat, nested };

struct Options {
  Dialect dialect = Dialect::rbee;

  // What hivetest's rbee profiles pass (--worker-id and --hive-url only the rbee dialects need).
  std::string worker_id;
  std::string model_path;
  // The model as clients see it: rbee's model ref ("file:<model file name>" when not
  // given), the OpenAI model id (the model file name when not given).
  std::string model_ref;
  std::string backend = "cpu";
  int device = 0;
  uint16_t port = 0;
  std::string host = "127.0.0.1";
  std::string hive_url;
  bool local_mode = false;

  // What llama-server and OpenAI-compatible servers take.
  int ctx_size = 0;     // -c; 0: the model's context length
  std::string api_key;  // openai: the key /v1/* needs, "" for none

  // Behaviour of this worker, so that tests can make it slow, old-fashioned or strict.
  int load_ms = 0;
  int heartbeat_interval_ms = 30'000;
  HeartbeatShape heartbeat_shape = HeartbeatShape::flat;  // nested for rbee unless given
  std::string heartbeat_path = "/v1/heartbeat";           // /v1/worker-heartbeat for rbee unless given
  std::string api_token = "test-token";  // rbee: LLORCH_API_TOKEN when set, else this
  int token_delay_ms = -1;  // unset: then 0, or the slow-tokens fault's delay
  Faults faults;
};

// Fills `out`, or returns the exit code to leave with: 0 after --help, 2 for bad options
// (the message is already on stderr).
std::optional<int> parse_options(int argc, char** argv, Options& out);

}  // namespace reference_worker
