// One answer to an inference request, in a dialect's format: streamed as events, or generated whole.
#pragma once

#include <memory>

#include <asio/awaitable.hpp>

#include "answer_format.hpp"
#include "hivetest/http/message.hpp"
#include "inference_request.hpp"
#include "worker.hpp"

namespace reference_worker {

// A 200 text/event-stream response that generates the answer while it is written, with
// the stream faults (sse-*) applied. job.job_id names the answer in the log.
hivetest::http::Response stream_answer(Worker& w, InferenceRequest job, std::shared_ptr<AnswerFormat> format);

// A 200 JSON response with the whole answer, after the token delays of all its tokens.
asio::awaitable<hivetest::http::Response> whole_answer(Worker& w, InferenceRequest job,
                                                       std::shared_ptr<AnswerFormat> format);

}  // namespace reference_worker
