// The OpenAI answer objects, streamed (chunks) or whole, as llama-server and OpenAI-compatible servers write them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "answer_format.hpp"
#include "openai_request.hpp"

namespace reference_worker {

struct OpenAiAnswer {
  OpenAiRoute route = OpenAiRoute::chat;  // chat or completions
  std::string id;                         // "chatcmpl-…" or "cmpl-…": the same in every chunk
  std::string model;
  int64_t created = 0;  // Unix seconds
  int prompt_tokens = 1;
  bool usage_in_finish = false;  // llama-server: the finishing chunk carries "usage"
  bool usage_chunk = false;      // include_usage: a last chunk with "choices":[] and "usage"
};

// The id of a new answer on `route`: "chatcmpl-<hex>" for chat, else "cmpl-<hex>".
std::string new_openai_id(OpenAiRoute route);

std::shared_ptr<AnswerFormat> openai_answer(OpenAiAnswer answer);

}  // namespace reference_worker
