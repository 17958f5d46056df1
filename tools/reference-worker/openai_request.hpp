// The bodies of the OpenAI routes and of llama-server's /completion, validated.
#pragma once

#include <string>
#include <string_view>

#include "inference_request.hpp"

namespace reference_worker {

enum class OpenAiRoute {
  chat,              // POST /v1/chat/completions: "messages", "max_tokens"
  completions,       // POST /v1/completions: "prompt", "max_tokens"
  llama_completion,  // llama-server's POST /completion: "prompt", "n_predict" (or "max_tokens")
};

struct OpenAiRequest {
  InferenceRequest inference;  // the prompt is the text, or the conversation as "role: content" lines
  std::string model;           // "" when the body names none
  bool stream = false;
  bool include_usage = false;  // "stream_options":{"include_usage":true}
  int prompt_tokens = 1;
};

using OpenAiParse = Parsed<OpenAiRequest>;

// A JSON object with, by route, "messages" (a non-empty array of objects with a string
// "role" and a "content" that is a string, null, or an array of {"type":"text","text"}
// parts) or "prompt" (a non-empty string); the token limit (an integer from 1 to 2048;
// for /completion -1 means as many as allowed, 2048); optional "model" (a string),
// "stream" (a boolean), "stream_options" (an object with a boolean "include_usage"), and
// the sampling options every dialect takes (temperature, seed, stop). `lenient`
// (accept-invalid) serves a body it would refuse, with defaults for what is wrong (see
// FieldCheck); a body that is not a JSON object is then an empty prompt, not streamed.
OpenAiParse parse_openai_request(std::string_view body, OpenAiRoute route, bool lenient);

}  // namespace reference_worker
