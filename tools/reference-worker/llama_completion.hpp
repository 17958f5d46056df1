// llama-server's /completion answer: an event per token, then a stop event with timings, and no [DONE]; or one JSON object.
#pragma once

#include <memory>
#include <string>

#include "answer_format.hpp"

namespace reference_worker {

std::shared_ptr<AnswerFormat> llama_completion(std::string model, int prompt_tokens);

}  // namespace reference_worker
