// The body of rbee's inference requests (POST /v1/inference, POST /v1/jobs), validated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parsed.hpp"

namespace reference_worker {

// One answer to generate, whichever dialect asked for it.
struct InferenceRequest {
  std::string job_id;  // "" when the client sent none; the worker then names the job
  std::string prompt;
  int max_tokens = 50;
  double temperature = 1.0;
  uint64_t seed = 0;  // fixed by default so that answers repeat unless asked otherwise
  std::vector<std::string> stop;
};

using InferenceParse = Parsed<InferenceRequest>;

// rbee-v1 and rbee-v2: a JSON object with a non-empty string "prompt"; optional "job_id"
// (1..128 characters of A-Z a-z 0-9 . _ : -, since it becomes part of a URL path),
// "max_tokens" (integer 1..2048), "temperature" (number 0..2), "seed" (unsigned
// integer), "stop" (a string or an array of up to 8 strings, each 1..256 bytes). Other
// fields are ignored, as real workers ignore sampling options they do not know. `lenient`
// (accept-invalid) serves a body it would refuse, with defaults for what is wrong (see
// FieldCheck); a body that is not a JSON object is then an empty prompt.
InferenceParse parse_inference_request(std::string_view body, bool lenient);

// rbee (v3): the same fields without "job_id" (the worker names every job), and
// "operation" must be "infer"; "hive_id", "model", "top_p" and "top_k" are ignored.
InferenceParse parse_job_request(std::string_view body, bool lenient);

}  // namespace reference_worker
