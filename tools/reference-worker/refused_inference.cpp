// The faults that answer an inference request before its route does: inference-503, and ready-too-early's first request.
#include "refused_inference.hpp"

namespace reference_worker {

std::optional<hivetest::http::Response> refuse_inference(Worker& w, const DialectRoutes& d,
                                                         const hivetest::http::Request& req) {
  if (req.method != "POST") return std::nullopt;  // every dialect's POST routes are its inference requests
  ++w.inference_requests;
  if (w.opts.faults.has(Fault::inference_503)) {
    w.log("fault inference-503: answering {} {} with 503 overloaded", req.method, req.target);
    return d.error(503, "overloaded");
  }
  if (w.opts.faults.has(Fault::ready_too_early) && w.inference_requests == 1) {
    w.log("fault ready-too-early: answering the first inference request, {} {}, with 503 model not loaded yet",
          req.method, req.target);
    return d.error(503, "model not loaded yet");
  }
  return std::nullopt;
}

}  // namespace reference_worker
