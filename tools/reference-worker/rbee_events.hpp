// The events of an rbee inference stream: started, tokens, then (rbee-v1, rbee-v2) metrics and end, then [DONE].
#pragma once

#include <memory>

#include "answer_format.hpp"
#include "inference_request.hpp"
#include "worker.hpp"

namespace reference_worker {

std::shared_ptr<AnswerFormat> rbee_events(const Worker& w, const InferenceRequest& job);

}  // namespace reference_worker
