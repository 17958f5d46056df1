// The faults that answer an inference request before its route does: inference-503, ready-too-early, garbage-while-loading.
#include "refused_inference.hpp"

#include <string_view>

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

std::optional<hivetest::http::Response> garbage_while_loading(Worker& w, const hivetest::http::Request& req) {
  // Half a progress page with a terminal escape in it: what a worker's web front shows
  // while the model loads, sent as if it were the stream.
  constexpr std::string_view page = "Loading model... 37%\x1b[2K\r<html><body>please wait</body></html>\n";
  if (req.method != "POST" || w.loading.loaded() || !w.opts.faults.has(Fault::garbage_while_loading)) return std::nullopt;
  w.log("fault garbage-while-loading: answering {} {} with 200 and {} bytes that are no stream, while loading",
        req.method, req.target, page.size());
  hivetest::http::Response r;
  r.status = 200;
  r.headers.push_back({"Content-Type", "text/event-stream"});
  r.body = std::string(page);
  return r;
}

}  // namespace reference_worker
