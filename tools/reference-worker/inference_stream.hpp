// The event stream of one inference job: started, tokens, metrics, end, [DONE].
#pragma once

#include "hivetest/http/message.hpp"
#include "inference_request.hpp"
#include "worker.hpp"

namespace reference_worker {

// A 200 text/event-stream response that runs the job while it is written.
hivetest::http::Response inference_stream(Worker& w, InferenceRequest job);

}  // namespace reference_worker
