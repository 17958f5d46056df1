// The wire protocols this worker can speak (--dialect), and what each of them has.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "fault.hpp"

namespace reference_worker {

enum class Dialect {
  rbee,          // the newest rbee worker (v3): loads before listening, POST /v1/jobs, nested heartbeats
  rbee_v1,       // POST /v1/inference streams at once; /v1/ready and loading progress
  rbee_v2,       // POST /v1/inference answers with an sse_url to fetch the stream from
  llama_server,  // llama.cpp's llama-server: /health, /completion and the OpenAI routes
  openai,        // an OpenAI-compatible server such as vLLM
};

std::string_view dialect_name(Dialect d);
std::optional<Dialect> dialect_from_name(std::string_view name);
std::vector<std::string_view> dialect_names();

// The rbee dialects are started by a hive: they take --worker-id and --hive-url and send heartbeats.
bool is_rbee(Dialect d);
// rbee (v3) loads the model before it opens its port; the others listen first, then load.
bool loads_before_listening(Dialect d);
// Whether --fault f means something in dialect d (ready-false needs /v1/ready, the
// heartbeat faults need heartbeats, miscount a count, job-without-url a job answer).
bool fault_applies(Fault f, Dialect d);

}  // namespace reference_worker
